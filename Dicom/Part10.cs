namespace Imaging.Dicom;

/// <summary>DICOM Part-10 file facts (PS3.10 §7.1): a 128-byte preamble, then the "DICM" prefix.</summary>
public static class Part10
{
    public const int PreambleLength = 128;

    /// <summary>True when bytes 128–131 are "DICM", the test the source platform uses to tell a Part-10 file.</summary>
    public static bool HasPart10Header(ReadOnlySpan<byte> start) =>
        start.Length >= PreambleLength + 4 && start.Slice(PreambleLength, 4).SequenceEqual("DICM"u8);
}
