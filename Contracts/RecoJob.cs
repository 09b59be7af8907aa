using System.Text.Json.Serialization;

namespace Imaging.Contracts;

/// <summary>
/// Reconstruct a record's raw data (the workflow manager's RecoJob): <see cref="RecordId"/> names the record,
/// <see cref="Input"/> its raw-data file as stored ("records/{record_id}/{file}"). On the bus it is the seed's model
/// as plain JSON, <c>{"record_id": 1, "input": "records/1/kspace.npy"}</c>, so a producer or consumer written for
/// the seed's pydantic model reads and writes it without MassTransit.
/// </summary>
public sealed record RecoJob([property: JsonPropertyName("record_id")] int RecordId, [property: JsonPropertyName("input")] string Input);
