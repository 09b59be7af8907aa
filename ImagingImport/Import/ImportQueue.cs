namespace Imaging.ImagingImport.Import;

/// <summary>
/// Runs the imports: takes due queued studies (bounded per project and overall), imports each, and records the outcome
/// with exponential back-off up to the attempt limit. The state lives only in importdb, so a restart loses nothing: an
/// importer renews its hold (lease) on a study while it works and hands the study back when it is stopped; the studies of
/// an importer that was killed are taken as failed once their lease runs out, those of one that hangs once the processing
/// window has passed, and are retried. An import that had in fact finished is recognised by its session already being in XNAT.
/// </summary>
/// <remarks>
/// A study an XNAT caller queued is imported as that user, with credentials only the replica that took the request holds
/// (<see cref="QueuedCallerIdentities"/>): only that replica claims it, and when the credentials expire or the replica is
/// gone, the study fails with a clear error; it is never imported under another account.
/// </remarks>
public sealed partial class ImportQueue(IServiceScopeFactory scopes, IOptions<ImportOptions> options, QueuedCallerIdentities callers, TimeProvider time,
    ILogger<ImportQueue> logger)
    : BackgroundService
{
    private readonly SemaphoreSlim _slots = new(options.Value.MaxConcurrentImports, options.Value.MaxConcurrentImports);
    private readonly List<Task> _running = [];
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (options.Value.ImportInBackground && !stoppingToken.IsCancellationRequested)
        {
            // Taken before the claim, so a wake-up while claiming still starts the next round.
            var woken = Volatile.Read(ref _wake).Task;
            try
            {
                await ExpireLeasesAsync(stoppingToken);
                await KeepCallerIdentitiesAsync(stoppingToken);
                foreach (var study in await ClaimAsync(_slots.CurrentCount, stoppingToken))
                {
                    await _slots.WaitAsync(stoppingToken);
                    _running.Add(RunAsync(study, stoppingToken));
                }

                _running.RemoveAll(t => t.IsCompleted);
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                LogPollFailed(logger, error);
            }

            // The next round comes after the poll interval, or as soon as an import ends or studies are queued: a freed slot
            // left idle until the next poll cost a third of the import rate (docs/benchmarks/imaging-import.md).
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            await Task.WhenAny(Task.Delay(options.Value.PollInterval, time, wait.Token), woken);
            await wait.CancelAsync();
        }
    }

    /// <summary>Starts the next round now rather than at the next poll: an import ended, or studies were queued through this replica.</summary>
    public void Wake() => Interlocked.Exchange(ref _wake, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>One round, awaited to the end: expire leases, claim what is due, import it. For tests and tools.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        await ExpireLeasesAsync(cancellationToken);
        await KeepCallerIdentitiesAsync(cancellationToken);
        var claimed = await ClaimAsync(_slots.CurrentCount, cancellationToken);
        var imports = new List<Task>(claimed.Count);
        foreach (var study in claimed)
        {
            await _slots.WaitAsync(cancellationToken);
            imports.Add(RunAsync(study, cancellationToken));
        }

        await Task.WhenAll(imports);
        return claimed.Count;
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        // Imports in flight end with the token; their studies keep their lease and are retried after it.
        await Task.WhenAll(_running).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>Processing studies whose importer is gone (lease run out) or hung (window passed) go back to queued, or to failed when out of attempts.</summary>
    public async Task<int> ExpireLeasesAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ImportDbContext>();
        var now = time.GetUtcNow();
        var claimedBefore = now - options.Value.ProcessingWindow;
        var stuck = await db.Studies.Where(s => s.Status == ImportStatus.processing && (s.LeaseUntil < now || s.ClaimedAt < claimedBefore)).ToListAsync(cancellationToken);
        foreach (var study in stuck)
        {
            var hung = study.ClaimedAt < claimedBefore;
            Record(study, new AttemptResult(AttemptOutcome.Retry, hung
                ? $"Still processing after {options.Value.ProcessingWindow}: taken as failed (the import hung)."
                : "The importer stopped holding the study (it was killed or lost its database): taken as failed."), now);
            LogStuck(logger, study.StudyInstanceUid, study.ProjectId, study.Attempts, hung ? "hung past the processing window" : "lost its importer");
        }

        await db.SaveChangesAsync(cancellationToken);
        return stuck.Count;
    }

    /// <summary>
    /// Renews the heartbeat on the studies whose caller's credentials this replica holds, then fails the queued studies
    /// whose caller's identity has expired, or whose holder stopped renewing (it restarted or is gone, and the credentials
    /// with it): they are not imported under another account.
    /// </summary>
    public async Task<int> KeepCallerIdentitiesAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ImportDbContext>();
        var now = time.GetUtcNow();
        var held = callers.HeldStudies();
        if (held.Length > 0)
        {
            var until = now + options.Value.Lease;
            await db.Studies.Where(s => held.Contains(s.Id) && s.CallerIdentityUntil != null && (s.Status == ImportStatus.queued || s.Status == ImportStatus.processing))
                .ExecuteUpdateAsync(u => u.SetProperty(s => s.CallerHeldUntil, until), cancellationToken);
        }

        var expired = await db.Studies.Where(s => s.Status == ImportStatus.queued && s.CallerIdentityUntil != null && s.CallerIdentityUntil <= now)
            .ExecuteUpdateAsync(u => u.SetProperty(s => s.Status, ImportStatus.failed).SetProperty(s => s.LastError, CallerIdentityExpired)
                .SetProperty(s => s.CallerHeldUntil, (DateTimeOffset?)null).SetProperty(s => s.DatetimeUpdated, now), cancellationToken);
        var orphaned = await db.Studies.Where(s => s.Status == ImportStatus.queued && s.CallerIdentityUntil != null && (s.CallerHeldUntil == null || s.CallerHeldUntil < now))
            .ExecuteUpdateAsync(u => u.SetProperty(s => s.Status, ImportStatus.failed).SetProperty(s => s.LastError, CallerIdentityLost)
                .SetProperty(s => s.CallerHeldUntil, (DateTimeOffset?)null).SetProperty(s => s.DatetimeUpdated, now), cancellationToken);
        if (expired + orphaned > 0)
        {
            LogCallerIdentitiesGone(logger, expired, orphaned);
        }

        return expired + orphaned;
    }

    public const string CallerIdentityExpired = "The XNAT credentials of the user who queued this study are kept for Import:CallerIdentityLifetime only, "
        + "and the study was not imported within it. It is not imported under another account: reimport it with your XNAT credentials.";

    public const string CallerIdentityLost = "The XNAT credentials of the user who queued this study were held in memory by an ImagingImport replica that "
        + "has since stopped or restarted. It is not imported under another account: reimport it with your XNAT credentials.";

    /// <summary>
    /// Claims up to <paramref name="capacity"/> due studies, at most the per-project limit minus what that project already
    /// runs. The update checks the row is still queued, so of two replicas claiming one study only one gets it.
    /// </summary>
    public async Task<IReadOnlyList<StudyImport>> ClaimAsync(int capacity, CancellationToken cancellationToken)
    {
        if (capacity <= 0)
        {
            return [];
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ImportDbContext>();
        var now = time.GetUtcNow();
        var perProject = options.Value.MaxConcurrentPerProject;
        // A study an XNAT caller queued is claimed only by the replica holding that caller's credentials.
        var held = callers.HeldStudies();
        var ids = await db.Database.SqlQuery<long>($"""
            SELECT id AS "Value" FROM (
              SELECT s.id, s.next_attempt_at,
                     row_number() OVER (PARTITION BY s.project_id ORDER BY s.next_attempt_at, s.id)
                       + (SELECT count(*) FROM study_imports p WHERE p.project_id = s.project_id AND p.status = 'processing') AS place
              FROM study_imports s
              WHERE s.status = 'queued' AND s.next_attempt_at <= {now}
                AND (s.caller_identity_until IS NULL OR s.id = ANY({held}))) due
            WHERE place <= {perProject}
            ORDER BY next_attempt_at, id
            LIMIT {capacity}
            """).ToListAsync(cancellationToken);
        if (ids.Count == 0)
        {
            return [];
        }

        var lease = now + options.Value.Lease;
        return await db.Studies.FromSql($"""
            UPDATE study_imports SET status = 'processing', attempts = attempts + 1, lease_until = {lease}, claimed_at = {now}, datetime_updated = {now}
            WHERE id = ANY({ids.ToArray()}) AND status = 'queued'
            RETURNING *
            """).AsNoTracking().ToListAsync(cancellationToken);
    }

    private async Task RunAsync(StudyImport study, CancellationToken stoppingToken)
    {
        try
        {
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            attempt.CancelAfter(options.Value.ProcessingWindow);
            var holding = HoldAsync(study, attempt);
            AttemptResult? result = null;
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                if (study.CallerIdentityUntil is null)
                {
                    result = await scope.ServiceProvider.GetRequiredService<StudyImporter>().ImportAsync(study, attempt.Token);
                }
                else if (callers.Get(study.Id) is { } credentials)
                {
                    scope.ServiceProvider.GetRequiredService<XnatCaller>().ActFor(credentials);
                    result = await scope.ServiceProvider.GetRequiredService<StudyImporter>().ImportAsync(study, attempt.Token);
                }
                else
                {
                    // Expired between the claim and now: never fall back to the service account.
                    result = new AttemptResult(AttemptOutcome.Failed, CallerIdentityExpired);
                }
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                // The window passed, or the hold was lost (then the outcome is not recorded below).
                result = new AttemptResult(AttemptOutcome.Retry, $"The import took longer than {options.Value.ProcessingWindow} and was stopped.");
            }
            catch (OperationCanceledException)
            {
            }
            finally
            {
                await attempt.CancelAsync();
                await holding;
            }

            if (result is null)
            {
                await HandBackAsync(study);
                return;
            }

            await using var save = scopes.CreateAsyncScope();
            var db = save.ServiceProvider.GetRequiredService<ImportDbContext>();
            // Only the attempt that holds the study records it: after an expired lease another attempt may have it now.
            var row = await db.Studies.SingleOrDefaultAsync(s => s.Id == study.Id && s.Status == ImportStatus.processing && s.Attempts == study.Attempts, stoppingToken);
            if (row is null)
            {
                LogLostHold(logger, study.StudyInstanceUid, study.ProjectId, study.Attempts);
                return;
            }

            Record(row, result, time.GetUtcNow());
            await db.SaveChangesAsync(stoppingToken);
            if (row.Status != ImportStatus.queued)
            {
                callers.Forget(row.Id);
            }

            LogAttempt(logger, study.StudyInstanceUid, study.ProjectId, study.Attempts, row.Status, result.Error);
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            LogAttemptCrashed(logger, study.StudyInstanceUid, study.ProjectId, error);
        }
        finally
        {
            _slots.Release();
            Wake();
        }
    }

    /// <summary>
    /// Renews the lease every third of it until the attempt ends. When the study is no longer this attempt's (its lease ran
    /// out while the database was out of reach, and another importer took it), the attempt is cancelled.
    /// </summary>
    private async Task HoldAsync(StudyImport study, CancellationTokenSource attempt)
    {
        var lease = options.Value.Lease;
        using var renew = new PeriodicTimer(lease / 3, time);
        try
        {
            while (await renew.WaitForNextTickAsync(attempt.Token))
            {
                try
                {
                    await using var scope = scopes.CreateAsyncScope();
                    var until = time.GetUtcNow() + lease;
                    var held = await scope.ServiceProvider.GetRequiredService<ImportDbContext>().Studies
                        .Where(s => s.Id == study.Id && s.Status == ImportStatus.processing && s.Attempts == study.Attempts)
                        .ExecuteUpdateAsync(u => u.SetProperty(s => s.LeaseUntil, until), attempt.Token);
                    if (held == 0)
                    {
                        await attempt.CancelAsync();
                    }
                }
                catch (Exception error) when (error is not OperationCanceledException)
                {
                    LogRenewFailed(logger, study.StudyInstanceUid, study.ProjectId, error);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>A stopping service gives its studies back at once, the attempt not counted, rather than leaving them to their lease.</summary>
    private async Task HandBackAsync(StudyImport study)
    {
        try
        {
            using var shortly = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await using var scope = scopes.CreateAsyncScope();
            var now = time.GetUtcNow();
            await scope.ServiceProvider.GetRequiredService<ImportDbContext>().Studies
                .Where(s => s.Id == study.Id && s.Status == ImportStatus.processing && s.Attempts == study.Attempts)
                .ExecuteUpdateAsync(u => u.SetProperty(s => s.Status, ImportStatus.queued).SetProperty(s => s.Attempts, s => s.Attempts - 1)
                    .SetProperty(s => s.LeaseUntil, (DateTimeOffset?)null).SetProperty(s => s.ClaimedAt, (DateTimeOffset?)null)
                    .SetProperty(s => s.NextAttemptAt, now).SetProperty(s => s.DatetimeUpdated, now), shortly.Token);
            LogHandedBack(logger, study.StudyInstanceUid, study.ProjectId);
        }
        catch (Exception error)
        {
            // Its lease runs out instead, and the next importer takes it then.
            LogAttemptCrashed(logger, study.StudyInstanceUid, study.ProjectId, error);
        }
    }

    /// <summary>The state after an attempt: successful, queue_failed, or queued again after the back-off until attempts run out.</summary>
    public void Record(StudyImport study, AttemptResult result, DateTimeOffset now)
    {
        var settings = options.Value;
        study.LeaseUntil = null;
        study.ClaimedAt = null;
        study.DatetimeUpdated = now;
        study.LastError = result.Error is { Length: > 2000 } text ? text[..2000] : result.Error;
        switch (result.Outcome)
        {
            case AttemptOutcome.Successful:
                study.Status = ImportStatus.successful;
                study.CallerHeldUntil = null;
                study.DatetimeImported = now;
                break;
            case AttemptOutcome.NotAtSource:
                study.Status = ImportStatus.queue_failed;
                study.CallerHeldUntil = null;
                break;
            case AttemptOutcome.Retry when study.Attempts < settings.MaxAttempts:
                study.Status = ImportStatus.queued;
                var backoff = settings.FirstBackoff * Math.Pow(2, Math.Max(0, study.Attempts - 1));
                study.NextAttemptAt = now + (backoff < settings.MaxBackoff ? backoff : settings.MaxBackoff);
                break;
            default:
                study.Status = ImportStatus.failed;
                study.CallerHeldUntil = null;
                break;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Study {StudyInstanceUid} of project {ProjectId}: attempt {Attempt} ended {Status} {Error}")]
    private static partial void LogAttempt(ILogger logger, string studyInstanceUid, string projectId, int attempt, ImportStatus status, string? error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Study {StudyInstanceUid} of project {ProjectId}: attempt {Attempt} {Reason}; taken as failed")]
    private static partial void LogStuck(ILogger logger, string studyInstanceUid, string projectId, int attempt, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Study {StudyInstanceUid} of project {ProjectId}: attempt {Attempt} no longer holds the study; its outcome is not recorded")]
    private static partial void LogLostHold(ILogger logger, string studyInstanceUid, string projectId, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Study {StudyInstanceUid} of project {ProjectId}: renewing the lease failed; trying again")]
    private static partial void LogRenewFailed(ILogger logger, string studyInstanceUid, string projectId, Exception error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Study {StudyInstanceUid} of project {ProjectId}: handed back to the queue as the service stops")]
    private static partial void LogHandedBack(ILogger logger, string studyInstanceUid, string projectId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Study {StudyInstanceUid} of project {ProjectId}: the attempt could not be recorded; its lease will run out and it will be retried")]
    private static partial void LogAttemptCrashed(ILogger logger, string studyInstanceUid, string projectId, Exception error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Expired} queued studies failed as their caller's XNAT identity expired, {Lost} as the replica holding it is gone")]
    private static partial void LogCallerIdentitiesGone(ILogger logger, int expired, int lost);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Looking for studies to import failed; trying again at the next poll")]
    private static partial void LogPollFailed(ILogger logger, Exception error);
}
