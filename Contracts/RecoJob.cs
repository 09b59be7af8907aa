namespace Imaging.Contracts;

/// <summary>
/// Reconstruct a record's raw data (the workflow manager's RecoJob): <see cref="RecordId"/> names the record,
/// <see cref="Input"/> its raw-data file as stored ("records/{record_id}/{file}").
/// </summary>
public sealed record RecoJob(int RecordId, string Input);
