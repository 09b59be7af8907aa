namespace Imaging.Dicom;

/// <summary>
/// Datasets for the images the platform writes, with the modules their IODs require (PS3.3 A.4 MR Image, A.8.1
/// Secondary Capture, A.8.3/A.8.4 Multi-frame Grayscale Byte/Word SC). Checked by dicom3tools' dciodvfy.
/// </summary>
public static class DicomImages
{
    public const string MRImageStorage = "1.2.840.10008.5.1.4.1.1.4";
    public const string SecondaryCaptureImageStorage = "1.2.840.10008.5.1.4.1.1.7";
    public const string MultiFrameGrayscaleByteSecondaryCaptureImageStorage = "1.2.840.10008.5.1.4.1.1.7.2";
    public const string MultiFrameGrayscaleWordSecondaryCaptureImageStorage = "1.2.840.10008.5.1.4.1.1.7.3";

    /// <summary>
    /// One MR slice of 16-bit stored values; the real values are stored × <paramref name="rescaleSlope"/> +
    /// <paramref name="rescaleIntercept"/>, kept as Rescale Slope/Intercept and a Real World Value Mapping.
    /// </summary>
    public static DicomDataset MRImage(PatientStudy study, ImageSeries series, int instanceNumber, ImagePlane plane, ImagePixels pixels,
        double rescaleSlope, double rescaleIntercept, DateTimeOffset contentTime, MRAcquisition? acquisition = null, string? sopInstanceUid = null)
    {
        if (pixels.SamplesPerPixel != 1 || pixels.BitsAllocated != 16)
        {
            throw new ArgumentException("MR images are 16-bit grayscale.", nameof(pixels));
        }

        acquisition ??= new MRAcquisition();
        var dataset = Common(MRImageStorage, sopInstanceUid, study, series with { Modality = "MR" }, instanceNumber, contentTime);
        dataset.AddOrUpdate(DicomTag.ImageType, DicomVR.CS, "DERIVED", "PRIMARY", "RECON");
        // Type 2C for MR without a Patient Orientation Code Sequence; a reconstruction does not know it.
        dataset.AddOrUpdate(DicomTag.PatientPosition, DicomVR.CS, acquisition.PatientPosition);
        FrameOfReference(dataset, series);
        Plane(dataset, plane);
        dataset.AddOrUpdate(DicomTag.ScanningSequence, DicomVR.CS, acquisition.ScanningSequence)
            .AddOrUpdate(DicomTag.SequenceVariant, DicomVR.CS, acquisition.SequenceVariant)
            .AddOrUpdate(DicomTag.ScanOptions, DicomVR.CS, "")
            .AddOrUpdate(DicomTag.MRAcquisitionType, DicomVR.CS, acquisition.MRAcquisitionType)
            .AddOrUpdate(DicomTag.EchoTime, DicomVR.DS, acquisition.EchoTime is { } te ? [DicomText.Decimal(te)] : [])
            .AddOrUpdate(DicomTag.EchoTrainLength, DicomVR.IS, "")
            .AddOrUpdate(DicomTag.ImagedNucleus, DicomVR.SH, acquisition.ImagedNucleus);
        if (acquisition.ScanningSequence != "EP" || acquisition.SequenceVariant != "NONE")
        {
            // Type 2C: required except for EPI without variants; an unknown sequence leaves it empty.
            dataset.AddOrUpdate(DicomTag.RepetitionTime, DicomVR.DS, acquisition.RepetitionTime is { } tr ? [DicomText.Decimal(tr)] : []);
        }

        if (acquisition.MagneticFieldStrength is { } field)
        {
            dataset.AddOrUpdate(DicomTag.MagneticFieldStrength, DicomVR.DS, DicomText.Decimal(field));
        }

        Pixels(dataset, pixels, frames: 1);
        dataset.AddOrUpdate(DicomTag.RescaleIntercept, DicomVR.DS, DicomText.Decimal(rescaleIntercept))
            .AddOrUpdate(DicomTag.RescaleSlope, DicomVR.DS, DicomText.Decimal(rescaleSlope))
            .AddOrUpdate(DicomTag.RescaleType, DicomVR.LO, "US");
        return dataset;
    }

    /// <summary>A single-frame Secondary Capture image (a preview, a chart, a key slice): grayscale 8/16-bit or RGB.</summary>
    public static DicomDataset SecondaryCapture(PatientStudy study, ImageSeries series, int instanceNumber, ImagePixels pixels,
        DateTimeOffset contentTime, string? sopInstanceUid = null)
    {
        var dataset = Common(SecondaryCaptureImageStorage, sopInstanceUid, study, series, instanceNumber, contentTime);
        dataset.AddOrUpdate(DicomTag.ImageType, DicomVR.CS, "DERIVED", "SECONDARY");
        dataset.AddOrUpdate(DicomTag.ConversionType, DicomVR.CS, "WSD");
        Pixels(dataset, pixels, frames: 1);
        return dataset;
    }

    /// <summary>A multi-frame grayscale Secondary Capture (byte or word), frames of equal size in order.</summary>
    public static DicomDataset MultiFrameSecondaryCapture(PatientStudy study, ImageSeries series, int instanceNumber, IReadOnlyList<ImagePixels> frames,
        DateTimeOffset contentTime, string? sopInstanceUid = null)
    {
        if (frames.Count == 0 || frames.Any(f => f.SamplesPerPixel != 1 || f.Rows != frames[0].Rows || f.Columns != frames[0].Columns || f.BitsAllocated != frames[0].BitsAllocated))
        {
            throw new ArgumentException("Multi-frame grayscale needs at least one frame, all grayscale and of one size and depth.", nameof(frames));
        }

        var word = frames[0].BitsAllocated == 16;
        var dataset = Common(word ? MultiFrameGrayscaleWordSecondaryCaptureImageStorage : MultiFrameGrayscaleByteSecondaryCaptureImageStorage,
            sopInstanceUid, study, series, instanceNumber, contentTime);
        dataset.AddOrUpdate(DicomTag.ImageType, DicomVR.CS, "DERIVED", "SECONDARY");
        dataset.AddOrUpdate(DicomTag.ConversionType, DicomVR.CS, "WSD");
        dataset.AddOrUpdate(DicomTag.BurnedInAnnotation, DicomVR.CS, "NO");
        dataset.AddOrUpdate(DicomTag.PresentationLUTShape, DicomVR.CS, "IDENTITY");
        // Required for both byte and word multi-frame SC (identity: stored values are the values).
        dataset.AddOrUpdate(DicomTag.RescaleIntercept, DicomVR.DS, "0")
            .AddOrUpdate(DicomTag.RescaleSlope, DicomVR.DS, "1")
            .AddOrUpdate(DicomTag.RescaleType, DicomVR.LO, "US");

        dataset.AddOrUpdate(DicomTag.NumberOfFrames, DicomVR.IS, frames.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        dataset.AddOrUpdate(DicomTag.FrameIncrementPointer, DicomTag.FrameLabelVector);
        dataset.AddOrUpdate(DicomTag.FrameLabelVector, DicomVR.SH, [.. Enumerable.Range(1, frames.Count).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
        var all = frames.SelectMany(f => f.Bytes).ToArray();
        Pixels(dataset, frames[0], frames.Count, all);
        return dataset;
    }

    internal static DicomDataset Common(string sopClassUid, string? sopInstanceUid, PatientStudy study, ImageSeries series, int instanceNumber, DateTimeOffset contentTime)
    {
        var number = System.Globalization.CultureInfo.InvariantCulture;
        var dataset = new DicomDataset();
        // Latin-1 covers the names the platform writes; set before any text so it is encoded in it.
        dataset.AddOrUpdate(DicomTag.SpecificCharacterSet, DicomVR.CS, "ISO_IR 100")
            .AddOrUpdate(DicomTag.SOPClassUID, DicomVR.UI, sopClassUid)
            .AddOrUpdate(DicomTag.SOPInstanceUID, DicomVR.UI, sopInstanceUid ?? DicomUid.Generate())
            .AddOrUpdate(DicomTag.StudyDate, DicomVR.DA, DicomText.Date(study.StudyDateTime))
            .AddOrUpdate(DicomTag.StudyTime, DicomVR.TM, DicomText.Time(study.StudyDateTime))
            .AddOrUpdate(DicomTag.ContentDate, DicomVR.DA, DicomText.Date(contentTime))
            .AddOrUpdate(DicomTag.ContentTime, DicomVR.TM, DicomText.Time(contentTime))
            .AddOrUpdate(DicomTag.AccessionNumber, DicomVR.SH, study.AccessionNumber ?? "")
            .AddOrUpdate(DicomTag.Modality, DicomVR.CS, series.Modality)
            .AddOrUpdate(DicomTag.Manufacturer, DicomVR.LO, series.Manufacturer)
            .AddOrUpdate(DicomTag.ReferringPhysicianName, DicomVR.PN, "")
            .AddOrUpdate(DicomTag.PatientName, DicomVR.PN, study.PatientName)
            .AddOrUpdate(DicomTag.PatientID, DicomVR.LO, study.PatientId)
            .AddOrUpdate(DicomTag.PatientBirthDate, DicomVR.DA, "")
            .AddOrUpdate(DicomTag.PatientSex, DicomVR.CS, "")
            .AddOrUpdate(DicomTag.StudyInstanceUID, DicomVR.UI, study.StudyInstanceUid)
            .AddOrUpdate(DicomTag.SeriesInstanceUID, DicomVR.UI, series.SeriesInstanceUid)
            .AddOrUpdate(DicomTag.StudyID, DicomVR.SH, study.StudyId ?? "")
            .AddOrUpdate(DicomTag.SeriesNumber, DicomVR.IS, series.SeriesNumber.ToString(number))
            .AddOrUpdate(DicomTag.InstanceNumber, DicomVR.IS, instanceNumber.ToString(number))
            .AddOrUpdate(DicomTag.PatientOrientation, DicomVR.CS, "")
            // Type 2C, required for paired body parts; without a known body part, present and empty.
            .AddOrUpdate(DicomTag.Laterality, DicomVR.CS, "");
        if (study.StudyDescription is { Length: > 0 } studyDescription)
        {
            dataset.AddOrUpdate(DicomTag.StudyDescription, DicomVR.LO, studyDescription);
        }

        if (series.SeriesDescription is { Length: > 0 } seriesDescription)
        {
            dataset.AddOrUpdate(DicomTag.SeriesDescription, DicomVR.LO, seriesDescription);
        }

        return dataset;
    }

    internal static void FrameOfReference(DicomDataset dataset, ImageSeries series) =>
        dataset.AddOrUpdate(DicomTag.FrameOfReferenceUID, DicomVR.UI, series.FrameOfReferenceUid ?? DicomUid.FromName("frame-of-reference:" + series.SeriesInstanceUid))
            .AddOrUpdate(DicomTag.PositionReferenceIndicator, DicomVR.LO, "");

    private static void Plane(DicomDataset dataset, ImagePlane plane)
    {
        if (plane.ImagePositionPatient.Length != 3 || plane.ImageOrientationPatient.Length != 6)
        {
            throw new ArgumentException("Image Position (Patient) has 3 values and Image Orientation (Patient) 6.", nameof(plane));
        }

        dataset.AddOrUpdate(DicomTag.PixelSpacing, DicomVR.DS, DicomText.Decimals([plane.RowSpacing, plane.ColumnSpacing]))
            .AddOrUpdate(DicomTag.SliceThickness, DicomVR.DS, DicomText.Decimal(plane.SliceThickness))
            .AddOrUpdate(DicomTag.ImagePositionPatient, DicomVR.DS, DicomText.Decimals(plane.ImagePositionPatient))
            .AddOrUpdate(DicomTag.ImageOrientationPatient, DicomVR.DS, DicomText.Decimals(plane.ImageOrientationPatient))
            .AddOrUpdate(DicomTag.SliceLocation, DicomVR.DS, DicomText.Decimal(plane.ImagePositionPatient[2]));
    }

    private static void Pixels(DicomDataset dataset, ImagePixels pixels, int frames, byte[]? allFrames = null)
    {
        dataset.AddOrUpdate<ushort>(DicomTag.SamplesPerPixel, DicomVR.US, (ushort)pixels.SamplesPerPixel)
            .AddOrUpdate(DicomTag.PhotometricInterpretation, DicomVR.CS, pixels.PhotometricInterpretation)
            .AddOrUpdate<ushort>(DicomTag.Rows, DicomVR.US, (ushort)pixels.Rows)
            .AddOrUpdate<ushort>(DicomTag.Columns, DicomVR.US, (ushort)pixels.Columns)
            .AddOrUpdate<ushort>(DicomTag.BitsAllocated, DicomVR.US, (ushort)pixels.BitsAllocated)
            .AddOrUpdate<ushort>(DicomTag.BitsStored, DicomVR.US, (ushort)pixels.BitsStored)
            .AddOrUpdate<ushort>(DicomTag.HighBit, DicomVR.US, (ushort)(pixels.BitsStored - 1))
            .AddOrUpdate<ushort>(DicomTag.PixelRepresentation, DicomVR.US, 0);
        if (pixels.SamplesPerPixel == 3)
        {
            dataset.AddOrUpdate<ushort>(DicomTag.PlanarConfiguration, DicomVR.US, 0);
        }

        var bytes = allFrames ?? pixels.Bytes;
        if (bytes.Length % 2 == 1)
        {
            Array.Resize(ref bytes, bytes.Length + 1);
        }

        dataset.Add(new DicomElement(DicomTag.PixelData, pixels.BitsAllocated == 16 ? DicomVR.OW : DicomVR.OB, bytes));
    }
}
