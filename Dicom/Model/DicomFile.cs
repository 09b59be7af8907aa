namespace Imaging.Dicom;

/// <summary>A DICOM Part-10 file: preamble, File Meta Information (group 0002) and the dataset.</summary>
public sealed class DicomFile(DicomDataset fileMetaInformation, DicomDataset dataset)
{
    /// <summary>The UID that names this project's implementation in every file it writes (a 2.25 UUID-derived UID).</summary>
    public const string ImplementationClassUid = "2.25.262817536874153391064893625337432361419";

    public const string ImplementationVersionName = "IMAGING_1_0";

    public byte[] Preamble { get; init; } = new byte[128];

    /// <summary>False when the input had no Part-10 header (a raw dataset); its meta then holds only the detected transfer syntax.</summary>
    public bool IsPart10 { get; init; } = true;

    public DicomDataset FileMetaInformation { get; } = fileMetaInformation;

    public DicomDataset Dataset { get; } = dataset;

    /// <summary>The transfer syntax the dataset is encoded in, from (0002,0010).</summary>
    public TransferSyntax TransferSyntax =>
        FileMetaInformation.GetString(DicomTag.TransferSyntaxUID) is { Length: > 0 } uid
            ? TransferSyntax.FromUid(uid)
            : TransferSyntax.ImplicitVRLittleEndian;

    /// <summary>A new file for a dataset: File Meta Information filled from the dataset's SOP Class and Instance UIDs.</summary>
    public static DicomFile Create(DicomDataset dataset, TransferSyntax? transferSyntax = null)
    {
        var sopClass = dataset.GetString(DicomTag.SOPClassUID);
        var sopInstance = dataset.GetString(DicomTag.SOPInstanceUID);
        if (string.IsNullOrEmpty(sopClass) || string.IsNullOrEmpty(sopInstance))
        {
            throw new DicomFormatException("The dataset has no SOP Class UID (0008,0016) or SOP Instance UID (0008,0018); a Part-10 file needs both.", 0);
        }

        return new DicomFile(CreateFileMetaInformation(sopClass, sopInstance, transferSyntax ?? TransferSyntax.ExplicitVRLittleEndian), dataset);
    }

    public static DicomDataset CreateFileMetaInformation(string sopClassUid, string sopInstanceUid, TransferSyntax transferSyntax)
    {
        var meta = new DicomDataset();
        meta.Add(new DicomElement(DicomTag.FileMetaInformationVersion, DicomVR.OB, new byte[] { 0x00, 0x01 }));
        meta.AddOrUpdate(DicomTag.MediaStorageSOPClassUID, DicomVR.UI, sopClassUid);
        meta.AddOrUpdate(DicomTag.MediaStorageSOPInstanceUID, DicomVR.UI, sopInstanceUid);
        meta.AddOrUpdate(DicomTag.TransferSyntaxUID, DicomVR.UI, transferSyntax.Uid);
        meta.AddOrUpdate(DicomTag.ImplementationClassUID, DicomVR.UI, ImplementationClassUid);
        meta.AddOrUpdate(DicomTag.ImplementationVersionName, DicomVR.SH, ImplementationVersionName);
        return meta;
    }

    public static DicomFile Open(string path, DicomReaderOptions? options = null) => DicomReader.ReadFile(path, options);

    public void Save(string path, TransferSyntax? transferSyntax = null)
    {
        var temporary = path + ".tmp-" + Guid.NewGuid().ToString("N")[..8];
        using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
        {
            DicomWriter.WriteFile(stream, this, transferSyntax);
        }

        File.Move(temporary, path, overwrite: true);
    }

    public void Save(Stream stream, TransferSyntax? transferSyntax = null) => DicomWriter.WriteFile(stream, this, transferSyntax);
}
