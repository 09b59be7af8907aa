namespace Imaging.Dicom;

/// <summary>Part-10 detection and the conversion of raw datasets to Part-10 files (PS3.10 §7).</summary>
public static class Part10
{
    public const int PreambleLength = 128;

    /// <summary>True when bytes 128–131 are "DICM", the test the source platform uses to tell a Part-10 file.</summary>
    public static bool HasPart10Header(ReadOnlySpan<byte> start) =>
        start.Length >= PreambleLength + 4 && start.Slice(PreambleLength, 4).SequenceEqual("DICM"u8);

    /// <summary>True when the file starts with a Part-10 header.</summary>
    public static bool IsPart10File(string path)
    {
        Span<byte> head = stackalloc byte[PreambleLength + 4];
        using var stream = File.OpenRead(path);
        return stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) == head.Length && HasPart10Header(head);
    }

    /// <summary>
    /// Writes <paramref name="rawDataset"/> (a dataset without preamble or meta, seekable) as a Part-10 file: a zero
    /// preamble, "DICM", File Meta Information filled from the dataset (Media Storage SOP Class/Instance UID from
    /// its SOP Class/Instance UID, Transfer Syntax UID from how it is actually encoded, this project's
    /// implementation class UID and version), then the dataset's bytes exactly as they were.
    /// </summary>
    public static void ConvertRawToPart10(Stream rawDataset, Stream output)
    {
        if (!rawDataset.CanSeek)
        {
            throw new ArgumentException("The raw dataset must be seekable: it is read twice (to learn its UIDs, then to copy it).", nameof(rawDataset));
        }

        var start = rawDataset.Position;
        Span<byte> head = stackalloc byte[PreambleLength + 4];
        var headLength = rawDataset.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        if (HasPart10Header(head[..headLength]))
        {
            throw new DicomFormatException("The input is already a Part-10 file", PreambleLength);
        }

        var syntax = DicomReader.DetectRawSyntax(head[..headLength]);
        rawDataset.Position = start;
        // Only the UIDs are needed: stop right after SOP Instance UID, before any pixel data.
        var identity = DicomReader.ReadDataset(rawDataset, syntax, new DicomReaderOptions { StopAt = new DicomTag(0x0008, 0x0019) });
        var sopClass = identity.GetString(DicomTag.SOPClassUID);
        var sopInstance = identity.GetString(DicomTag.SOPInstanceUID);
        if (string.IsNullOrEmpty(sopClass) || string.IsNullOrEmpty(sopInstance))
        {
            throw new DicomFormatException("The dataset has no SOP Class UID (0008,0016) or SOP Instance UID (0008,0018), which Part-10 File Meta Information needs", 0);
        }

        var header = new MemoryStream();
        DicomWriter.WriteFile(header, new DicomFile(DicomFile.CreateFileMetaInformation(sopClass, sopInstance, syntax), new DicomDataset()), syntax);
        output.Write(header.GetBuffer(), 0, (int)header.Length);
        rawDataset.Position = start;
        rawDataset.CopyTo(output, 1 << 16);
    }
}
