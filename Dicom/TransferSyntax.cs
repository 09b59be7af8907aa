namespace Imaging.Dicom;

/// <summary>How a dataset is encoded (PS3.5 §10): VR explicit or implicit, byte order, deflate, encapsulated pixel data.</summary>
public sealed record TransferSyntax(string Uid, string Name, bool IsExplicitVR, bool IsBigEndian, bool IsDeflated, bool IsEncapsulated)
{
    public static readonly TransferSyntax ImplicitVRLittleEndian = new("1.2.840.10008.1.2", "Implicit VR Little Endian", false, false, false, false);
    public static readonly TransferSyntax ExplicitVRLittleEndian = new("1.2.840.10008.1.2.1", "Explicit VR Little Endian", true, false, false, false);
    public static readonly TransferSyntax DeflatedExplicitVRLittleEndian = new("1.2.840.10008.1.2.1.99", "Deflated Explicit VR Little Endian", true, false, true, false);
    public static readonly TransferSyntax ExplicitVRBigEndian = new("1.2.840.10008.1.2.2", "Explicit VR Big Endian (retired)", true, true, false, false);
    public static readonly TransferSyntax JpegBaseline = Encapsulated("1.2.840.10008.1.2.4.50", "JPEG Baseline (Process 1)");
    public static readonly TransferSyntax JpegExtended = Encapsulated("1.2.840.10008.1.2.4.51", "JPEG Extended (Process 2 & 4)");
    public static readonly TransferSyntax JpegLossless = Encapsulated("1.2.840.10008.1.2.4.57", "JPEG Lossless, Non-Hierarchical (Process 14)");
    public static readonly TransferSyntax JpegLosslessSV1 = Encapsulated("1.2.840.10008.1.2.4.70", "JPEG Lossless, First-Order Prediction");
    public static readonly TransferSyntax JpegLSLossless = Encapsulated("1.2.840.10008.1.2.4.80", "JPEG-LS Lossless");
    public static readonly TransferSyntax JpegLSNearLossless = Encapsulated("1.2.840.10008.1.2.4.81", "JPEG-LS Lossy (Near-Lossless)");
    public static readonly TransferSyntax Jpeg2000Lossless = Encapsulated("1.2.840.10008.1.2.4.90", "JPEG 2000 (Lossless Only)");
    public static readonly TransferSyntax Jpeg2000 = Encapsulated("1.2.840.10008.1.2.4.91", "JPEG 2000");
    public static readonly TransferSyntax RleLossless = Encapsulated("1.2.840.10008.1.2.5", "RLE Lossless");

    private static readonly Dictionary<string, TransferSyntax> ByUid = new[]
    {
        ImplicitVRLittleEndian, ExplicitVRLittleEndian, DeflatedExplicitVRLittleEndian, ExplicitVRBigEndian, JpegBaseline, JpegExtended,
        JpegLossless, JpegLosslessSV1, JpegLSLossless, JpegLSNearLossless, Jpeg2000Lossless, Jpeg2000, RleLossless,
    }.ToDictionary(t => t.Uid, StringComparer.Ordinal);

    private static TransferSyntax Encapsulated(string uid, string name) => new(uid, name, true, false, false, true);

    /// <summary>
    /// A known syntax, or, for an unknown UID, explicit VR little endian with encapsulated pixel data: every
    /// transfer syntax defined since 1.2.840.10008.1.2.4 is encoded that way (PS3.5 §10).
    /// </summary>
    public static TransferSyntax FromUid(string uid)
    {
        var trimmed = uid.TrimEnd('\0', ' ');
        return ByUid.TryGetValue(trimmed, out var known) ? known : new TransferSyntax(trimmed, "Unknown", true, false, false, true);
    }

    public override string ToString() => $"{Name} ({Uid})";
}
