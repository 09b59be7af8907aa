using System.Diagnostics;

namespace Imaging.ResultsApi.Messaging;

/// <summary>
/// Adds a message to the outbox in the caller's unit of work: it is committed with the change it announces, or
/// not at all, and the dispatcher publishes it once the broker takes it.
/// </summary>
public sealed class Outbox(TimeProvider time, OutboxSignal signal)
{
    public void Add<T>(ResultsDbContext db, T message)
        where T : class
    {
        var now = time.GetUtcNow();
        db.Outbox.Add(new OutboxMessage
        {
            MessageType = typeof(T).FullName!,
            Body = JsonSerializer.Serialize(message),
            TraceParent = Activity.Current?.Id,
            CreatedAt = now,
            NextAttemptAt = now,
        });
        // Wakes the dispatcher early; if the transaction then rolls back it simply finds nothing new.
        db.SavedChanges += (_, _) => signal.Notify();
    }
}

/// <summary>Lets a commit wake the dispatcher instead of waiting for its next poll.</summary>
public sealed class OutboxSignal
{
    private readonly SemaphoreSlim _semaphore = new(0, 1);

    public void Notify()
    {
        try
        {
            _semaphore.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled.
        }
    }

    public Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _semaphore.WaitAsync(timeout, cancellationToken);
}
