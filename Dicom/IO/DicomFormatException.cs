namespace Imaging.Dicom;

/// <summary>Input that is not valid DICOM, with the byte offset where reading stopped.</summary>
public sealed class DicomFormatException(string message, long offset) : Exception($"{message} (at byte {offset})")
{
    public long Offset { get; } = offset;

    /// <summary>The reason without the offset, for messages that give it separately.</summary>
    public string Reason { get; } = message;
}
