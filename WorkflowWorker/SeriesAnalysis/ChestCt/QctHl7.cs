using System.Globalization;
using System.Text;

namespace Imaging.WorkflowWorker.SeriesAnalysis.ChestCt;

/// <summary>
/// The qCT findings as an HL7 v2.5 ORU^R01 message (the "hl7" result), for a RIS or EHR that takes results over HL7:
/// MSH, PID (the patient as the CT names them), OBR (the study, by accession number), one OBX per measurement (lung
/// volumes, %LAA-950, mean lung density, each nodule's diameter and volume with the nodule's number as sub-ID) and the
/// triage. Units are UCUM. Segments end with a carriage return; text is escaped as HL7 v2 says (\F\ \S\ \R\ \E\ \T\).
/// </summary>
public static class QctHl7
{
    public const string SendingApplication = "IMAGING-RESULTS";

    public static string Write(QctReport report, QctPatient patient, string controlId, DateTimeOffset now)
    {
        var segments = new List<string>
        {
            Segment("MSH", "^~\\&", SendingApplication, "PLATFORM", "", "", Timestamp(now), "", "ORU^R01^ORU_R01", Escape(controlId), "P", "2.5"),
            Segment("PID", "1", "", $"{Escape(patient.Id)}^^^^PI", "", PersonName(patient.Name), Escape(patient.BirthDate ?? ""), Escape(patient.Sex ?? "")),
            Segment("OBR", "1", "", Escape(report.AccessionNumber ?? ""), "QCT^Quantitative chest CT^L", "", "", patient.StudyDate is { Length: 8 } date ? date : "",
                "", "", "", "", "", "", "", "", "", "", "", "", "", "", Timestamp(report.AnalysedAt), "", "CT", "F"),
        };
        void Add(string type, string code, string text, string subId, string value, string units) =>
            segments.Add(Segment("OBX", (segments.Count - 2).ToString(CultureInfo.InvariantCulture), type, $"{code}^{Escape(text)}^L", subId, value,
                units.Length == 0 ? "" : $"{Escape(units)}^^UCUM", "", "", "", "", "F"));

        Add("NM", "LUNGVOL", "Lung volume, both lungs", "", Number(report.Lungs.VolumeMl), "mL");
        Add("NM", "RLUNGVOL", "Lung volume, right lung", "", Number(report.RightLung.VolumeMl), "mL");
        Add("NM", "LLUNGVOL", "Lung volume, left lung", "", Number(report.LeftLung.VolumeMl), "mL");
        Add("NM", "LAA950", "Lung volume below -950 HU (%LAA-950)", "", Number(report.Lungs.Laa950Percent), "%");
        Add("NM", "MLD", "Mean lung density", "", Number(report.Lungs.MeanDensityHu), "[hnsf'U]");
        Add("NM", "NODCOUNT", "Nodule candidates", "", report.Nodules.Count.ToString(CultureInfo.InvariantCulture), "");
        foreach (var nodule in report.Nodules)
        {
            var number = nodule.Number.ToString(CultureInfo.InvariantCulture);
            Add("NM", "NODDIAM", $"Nodule {number} longest diameter ({nodule.Lung} lung)", number, Number(nodule.LongestDiameterMm), "mm");
            Add("NM", "NODVOL", $"Nodule {number} volume", number, Number(nodule.VolumeMl), "mL");
        }

        Add("ST", "TRIAGE", "Triage", "", Escape($"{report.TriageStatus}: {report.TriageReason}"), "");
        return string.Join('\r', segments) + '\r';
    }

    /// <summary>Text in a field: HL7's delimiters and escape character as escape sequences; line breaks as spaces.</summary>
    public static string Escape(string text)
    {
        var escaped = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            escaped.Append(c switch
            {
                '\\' => "\\E\\",
                '|' => "\\F\\",
                '^' => "\\S\\",
                '~' => "\\R\\",
                '&' => "\\T\\",
                '\r' or '\n' => " ",
                _ => c.ToString(),
            });
        }

        return escaped.ToString();
    }

    private static string Segment(string name, params string[] fields) => name + "|" + string.Join('|', fields);

    /// <summary>DICOM's Family^Given^Middle^Prefix^Suffix is HL7's XPN in the same order.</summary>
    private static string PersonName(string dicomName) => string.Join('^', dicomName.Split('=')[0].Split('^').Select(Escape));

    private static string Timestamp(DateTimeOffset time) => time.UtcDateTime.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + "+0000";

    private static string Number(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}

/// <summary>The patient and study as the analysed CT names them (DICOM's values).</summary>
public sealed record QctPatient(string Id, string Name, string? BirthDate, string? Sex, string? StudyDate)
{
    public static QctPatient From(Imaging.Dicom.DicomDataset dataset) => new(dataset.GetString(Imaging.Dicom.DicomTag.PatientID) ?? "",
        dataset.GetString(Imaging.Dicom.DicomTag.PatientName) ?? "", dataset.GetString(Imaging.Dicom.DicomTag.PatientBirthDate),
        dataset.GetString(Imaging.Dicom.DicomTag.PatientSex), dataset.GetString(Imaging.Dicom.DicomTag.StudyDate));
}
