namespace Imaging.Contracts.RawData;

/// <summary>Raw data that cannot be reconstructed; the message says why, in words a user can act on.</summary>
public sealed class RawDataException(string message) : Exception(message);
