namespace Imaging.Dicom;

/// <summary>
/// Documents carried as DICOM (PS3.3 A.45.1 Encapsulated PDF IOD): Patient, General Study, Encapsulated Document Series,
/// General Equipment, SC Equipment, Encapsulated Document and SOP Common modules. Checked by dicom3tools' dciodvfy.
/// </summary>
public static class EncapsulatedDocuments
{
    public const string EncapsulatedPdfStorage = "1.2.840.10008.5.1.4.1.1.104.1";

    /// <summary>A PDF in the study as its own series (modality DOC); the document's bytes are kept as they are, padded to an even length.</summary>
    public static DicomDataset Pdf(PatientStudy study, ImageSeries series, int instanceNumber, string title, byte[] pdf, DateTimeOffset contentTime,
        string? sopInstanceUid = null)
    {
        if (pdf.Length < 5 || pdf[0] != '%' || pdf[1] != 'P' || pdf[2] != 'D' || pdf[3] != 'F')
        {
            throw new ArgumentException("The document is not a PDF (it does not start with %PDF).", nameof(pdf));
        }

        var dataset = DicomImages.Common(EncapsulatedPdfStorage, sopInstanceUid, study, series with { Modality = "DOC" }, instanceNumber, contentTime);
        // Image attributes Common writes that a document has no place for.
        dataset.Remove(DicomTag.PatientOrientation);
        dataset.Remove(DicomTag.Laterality);
        var padded = pdf.Length % 2 == 0 ? pdf : [.. pdf, 0];
        dataset.AddOrUpdate(DicomTag.ConversionType, DicomVR.CS, "WSD")
            .AddOrUpdate(DicomTag.AcquisitionDateTime, DicomVR.DT, contentTime.UtcDateTime.ToString("yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture))
            .AddOrUpdate(DicomTag.BurnedInAnnotation, DicomVR.CS, "YES")
            .AddOrUpdate(DicomTag.DocumentTitle, DicomVR.ST, title)
            .AddOrUpdate(DicomTag.MIMETypeOfEncapsulatedDocument, DicomVR.LO, "application/pdf")
            .AddOrUpdate<uint>(DicomTag.EncapsulatedDocumentLength, DicomVR.UL, (uint)pdf.Length)
            .AddOrUpdate<byte>(DicomTag.EncapsulatedDocument, DicomVR.OB, padded);
        // Type 2: present; the document's kind is said by its title.
        dataset.Add(new DicomSequence(DicomTag.ConceptNameCodeSequence, []));
        return dataset;
    }
}
