using System.Collections.Concurrent;

namespace Imaging.ImagingImport.Import;

/// <summary>
/// The XNAT credentials of the callers who queued studies, held in this replica's memory only (never in importdb, a log
/// or a trace) until the study's import ends or <see cref="ImportOptions.CallerIdentityLifetime"/> has passed. importdb
/// records only that a study waits for its caller's identity and until when; this replica renews a heartbeat on those
/// rows, so when it stops (a restart loses the memory) any replica fails them with a clear error rather than importing
/// them under another account.
/// </summary>
public sealed class QueuedCallerIdentities(TimeProvider time)
{
    private readonly ConcurrentDictionary<long, Held> _held = new();

    private sealed record Held(XnatCredentials Credentials, DateTimeOffset Until);

    /// <summary>Keeps the caller's credentials for these studies until <paramref name="until"/>.</summary>
    public void Hold(IEnumerable<long> studyIds, XnatCredentials credentials, DateTimeOffset until)
    {
        foreach (var id in studyIds)
        {
            _held[id] = new Held(credentials, until);
        }
    }

    /// <summary>The credentials that queued the study, while they last; null when this replica does not hold them (any more).</summary>
    public XnatCredentials? Get(long studyId) =>
        _held.TryGetValue(studyId, out var held) && held.Until > time.GetUtcNow() ? held.Credentials : null;

    public void Forget(long studyId) => _held.TryRemove(studyId, out _);

    /// <summary>The studies whose caller's credentials this replica holds and that are still valid; the expired ones are forgotten.</summary>
    public long[] HeldStudies()
    {
        var now = time.GetUtcNow();
        foreach (var (id, held) in _held)
        {
            if (held.Until <= now)
            {
                _held.TryRemove(id, out _);
            }
        }

        return [.. _held.Keys];
    }
}
