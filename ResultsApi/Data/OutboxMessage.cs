namespace Imaging.ResultsApi.Data;

/// <summary>A message written in the same transaction as the change it announces, published by the dispatcher.</summary>
public sealed class OutboxMessage
{
    public long Id { get; set; }

    /// <summary>The contract's full type name, e.g. Imaging.Contracts.RecoJob.</summary>
    public required string MessageType { get; set; }

    public required string Body { get; set; }

    /// <summary>The W3C traceparent of the request that wrote it, so the trace continues through the bus.</summary>
    public string? TraceParent { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset NextAttemptAt { get; set; }

    public DateTimeOffset? SentAt { get; set; }

    public int Attempts { get; set; }

    public string? LastError { get; set; }
}
