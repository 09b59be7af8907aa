using System.Buffers.Binary;
using System.Diagnostics;
using MassTransit;

namespace Imaging.ResultsApi.Messaging;

/// <summary>
/// Publishes the outbox: due, unsent messages, oldest first, locked with SKIP LOCKED so several replicas share the
/// work. A message is marked sent only after the broker confirmed it; when the broker is away the batch stops and
/// the message is tried again with growing back-off. A crash between confirm and commit publishes it twice; the
/// consumer is idempotent for exactly that reason.
/// </summary>
internal sealed partial class OutboxDispatcher(IServiceScopeFactory scopes, IBus bus, OutboxSignal signal, IOptions<OutboxOptions> options,
    TimeProvider time, ILogger<OutboxDispatcher> logger) : BackgroundService
{
    private static readonly ActivitySource Activities = new("Imaging.ResultsApi.Outbox");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var full = false;
            try
            {
                full = await DispatchNextBatchAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception error)
            {
                LogBatchFailed(logger, error);
            }

            if (!full)
            {
                try
                {
                    await signal.WaitAsync(options.Value.PollInterval, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Publishes one batch; true when it was full, so more may be waiting.</summary>
    private async Task<bool> DispatchNextBatchAsync(CancellationToken cancellationToken)
    {
        // The retrying execution strategy owns transactions: the whole batch is its unit, with a fresh context per try.
        await using var outer = scopes.CreateAsyncScope();
        var strategy = outer.ServiceProvider.GetRequiredService<ResultsDbContext>().Database.CreateExecutionStrategy();
        return await strategy.ExecuteAsync(async () =>
        {
            await using var scope = scopes.CreateAsyncScope();
            return await DispatchBatchAsync(scope.ServiceProvider.GetRequiredService<ResultsDbContext>(), cancellationToken);
        });
    }

    private async Task<bool> DispatchBatchAsync(ResultsDbContext db, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var now = time.GetUtcNow();
        var batch = await db.Outbox
            .FromSql($"SELECT * FROM outbox_messages WHERE sent_at IS NULL AND next_attempt_at <= {now} ORDER BY id LIMIT {settings.BatchSize} FOR UPDATE SKIP LOCKED")
            .ToListAsync(cancellationToken);
        foreach (var message in batch)
        {
            message.Attempts++;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(settings.PublishTimeout);
                await PublishAsync(message, timeout.Token);
                message.SentAt = time.GetUtcNow();
                message.LastError = null;
            }
            catch (Exception error) when (!cancellationToken.IsCancellationRequested)
            {
                var backoff = TimeSpan.FromSeconds(Math.Min(settings.MaxBackoff.TotalSeconds, Math.Pow(2, Math.Min(message.Attempts, 16))));
                message.LastError = error.Message;
                message.NextAttemptAt = time.GetUtcNow() + backoff;
                LogPublishFailed(logger, message.Id, message.MessageType, message.Attempts, backoff, error);
                // The broker is most likely away: the rest of the batch would only wait for the same timeout.
                break;
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return batch.Count == settings.BatchSize && batch.All(m => m.SentAt is not null);
    }

    private async Task PublishAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        ActivityContext.TryParse(message.TraceParent, null, out var parent);
        using var activity = Activities.StartActivity($"outbox publish {message.MessageType}", ActivityKind.Internal, parent);
        activity?.SetTag("outbox.message_id", message.Id);
        var messageId = MessageIdFor(message.Id);
        switch (message.MessageType)
        {
            case "Imaging.Contracts.RecoJob":
                var job = ReadRecoJob(message);
                await bus.Publish(job, context => context.MessageId = messageId, cancellationToken);
                LogPublished(logger, message.Id, message.MessageType, job.RecordId);
                break;
            case "Imaging.Contracts.SeriesAnalysisJob":
                var analysis = JsonSerializer.Deserialize<SeriesAnalysisJob>(message.Body) ?? throw new InvalidOperationException($"Outbox message {message.Id} has an empty body.");
                await bus.Publish(analysis, context => context.MessageId = messageId, cancellationToken);
                LogPublishedAnalysis(logger, message.Id, analysis.SeriesInstanceUid, analysis.SourceId, analysis.Attempt);
                break;
            case "Imaging.Contracts.QualitySessionJob":
                var session = JsonSerializer.Deserialize<QualitySessionJob>(message.Body) ?? throw new InvalidOperationException($"Outbox message {message.Id} has an empty body.");
                await bus.Publish(session, context => context.MessageId = messageId, cancellationToken);
                LogPublishedSession(logger, message.Id, session.SessionId);
                break;
            default:
                throw new InvalidOperationException($"Outbox message {message.Id} has type {message.MessageType}, which this version does not publish.");
        }
    }

    /// <summary>
    /// The seed's {"record_id", "input"}; rows written before the contract took the seed's names hold {"RecordId", "Input"}
    /// and are still published, so nothing queued before an upgrade is lost.
    /// </summary>
    private static RecoJob ReadRecoJob(OutboxMessage message)
    {
        var body = JsonDocument.Parse(message.Body).RootElement;
        return body.TryGetProperty("record_id", out _)
            ? JsonSerializer.Deserialize<RecoJob>(body)!
            : new RecoJob(body.GetProperty("RecordId").GetInt32(), body.GetProperty("Input").GetString()!);
    }

    // The same outbox row always goes out with the same MessageId, so a publish repeated after a crash is recognisable.
    private static Guid MessageIdFor(long outboxId)
    {
        Span<byte> bytes = stackalloc byte[16];
        "outbox\0\0"u8.CopyTo(bytes);
        BinaryPrimitives.WriteInt64BigEndian(bytes[8..], outboxId);
        return new Guid(bytes, bigEndian: true);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Published outbox message {OutboxId} ({MessageType}) for record {RecordId}")]
    private static partial void LogPublished(ILogger logger, long outboxId, string messageType, int recordId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Published outbox message {OutboxId} (QualitySessionJob) for quality session {SessionId}")]
    private static partial void LogPublishedSession(ILogger logger, long outboxId, Guid sessionId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Published outbox message {OutboxId} (SeriesAnalysisJob) for series {SeriesInstanceUid} of source {SourceId}, attempt {Attempt}")]
    private static partial void LogPublishedAnalysis(ILogger logger, long outboxId, string seriesInstanceUid, Guid sourceId, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not publish outbox message {OutboxId} ({MessageType}), attempt {Attempts}; next try in {Backoff}")]
    private static partial void LogPublishFailed(ILogger logger, long outboxId, string messageType, int attempts, TimeSpan backoff, Exception error);

    [LoggerMessage(Level = LogLevel.Error, Message = "The outbox dispatcher failed a batch; it will try again")]
    private static partial void LogBatchFailed(ILogger logger, Exception error);
}
