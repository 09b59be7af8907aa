using System.Data.Common;
using System.Threading.Channels;
using Npgsql;

namespace Imaging.ResultsApi.Storage;

/// <summary>
/// Indexes new instances in groups (group commit): the rows of the requests that wait together go to PostgreSQL as one
/// statement, so a busy ingest pays one round trip, one plan and one commit per group rather than per instance. Each
/// request still waits until its own row is committed before it answers, so a 200 keeps meaning "indexed". A group the
/// database refuses is tried again row by row, so one bad row fails only its own request.
/// </summary>
public sealed partial class NewInstanceIndex(IServiceScopeFactory scopes, ILogger<NewInstanceIndex> logger) : BackgroundService
{
    /// <summary>At most this many rows per statement: enough for 64 connections at once, small enough to stay one packet or two.</summary>
    public const int MaxGroup = 64;

    private const string Insert = """
        INSERT INTO dicom_instances (source_id, study_instance_uid, series_instance_uid, sop_instance_uid, sop_class_uid, patient_id,
            patient_name, modality, accession_number, study_date, study_description, series_description, series_number,
            instance_number, number_of_frames, transfer_syntax_uid, size, sha256, datetime_created)
        SELECT * FROM unnest(@source_id, @study, @series, @sop, @sop_class, @patient_id, @patient_name, @modality, @accession,
            @study_date, @study_description, @series_description, @series_number, @instance_number, @frames, @transfer_syntax,
            @size, @sha256, @created)
        ON CONFLICT (source_id, sop_instance_uid) DO NOTHING
        RETURNING source_id, sop_instance_uid
        """;

    private readonly Channel<PendingRow> _queue = Channel.CreateUnbounded<PendingRow>(new UnboundedChannelOptions { SingleReader = true });

    // Rows are taken only while the writer runs: a host that never started it (a command, a test of one piece) indexes inline.
    private volatile bool _writing;

    /// <summary>
    /// Indexes a new instance; false when a row for its SOP Instance UID exists already (nothing changes then). Null when
    /// the index no longer takes rows (the service is stopping): the caller indexes the row itself.
    /// </summary>
    public Task<bool>? TryInsertAsync(DicomInstance instance)
    {
        var pending = new PendingRow(instance, new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));
        return _writing && _queue.Writer.TryWrite(pending) ? pending.Inserted.Task : null;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        List<PendingRow> group = [];
        List<PendingRow> next = [];
        _writing = true;
        try
        {
            while (next.Count > 0 || await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                Gather(next, group);
                await WriteAsync(group, CancellationToken.None);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: no row is taken any more (callers index their own), and every row already taken is written, since
            // its file is in place and its request waits for it.
            _queue.Writer.TryComplete();
            while (next.Count > 0 || _queue.Reader.TryPeek(out _))
            {
                Gather(next, group);
                await WriteAsync(group, CancellationToken.None);
            }
        }
    }

    /// <summary>
    /// Takes the rows waiting into <paramref name="group"/>: first those put off last time, then new ones, up to
    /// <see cref="MaxGroup"/>. A second row for the same instance waits for the next group, so each row's answer is its own.
    /// </summary>
    private void Gather(List<PendingRow> next, List<PendingRow> group)
    {
        group.Clear();
        HashSet<(Guid, string)> keys = [];
        var carried = next.ToList();
        next.Clear();
        foreach (var row in carried)
        {
            (keys.Add(row.Key) && group.Count < MaxGroup ? group : next).Add(row);
        }

        while (group.Count < MaxGroup && _queue.Reader.TryRead(out var row))
        {
            (keys.Add(row.Key) ? group : next).Add(row);
        }
    }

    private async Task WriteAsync(List<PendingRow> group, CancellationToken cancellationToken)
    {
        if (group.Count == 0)
        {
            return;
        }

        try
        {
            var inserted = await InsertAsync(group, cancellationToken);
            group.ForEach(row => row.Inserted.TrySetResult(inserted.Contains(row.Key)));
            return;
        }
        catch (Exception refused) when (group.Count > 1)
        {
            LogGroupRefused(logger, refused, group.Count);
        }
        catch (Exception refused)
        {
            group[0].Inserted.TrySetException(refused);
            return;
        }

        foreach (var row in group)
        {
            try
            {
                row.Inserted.TrySetResult((await InsertAsync([row], cancellationToken)).Count == 1);
            }
            catch (Exception refused)
            {
                row.Inserted.TrySetException(refused);
            }
        }
    }

    private async Task<HashSet<(Guid, string)>> InsertAsync(List<PendingRow> rows, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ResultsDbContext>();
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = Insert;
        var instances = rows.ConvertAll(r => r.Instance);
        Add(command, "source_id", instances.ConvertAll(i => i.SourceId).ToArray());
        Add(command, "study", instances.ConvertAll(i => i.StudyInstanceUid).ToArray());
        Add(command, "series", instances.ConvertAll(i => i.SeriesInstanceUid).ToArray());
        Add(command, "sop", instances.ConvertAll(i => i.SopInstanceUid).ToArray());
        Add(command, "sop_class", instances.ConvertAll(i => i.SopClassUid).ToArray());
        Add(command, "patient_id", instances.ConvertAll(i => i.PatientId).ToArray());
        Add(command, "patient_name", instances.ConvertAll(i => i.PatientName).ToArray());
        Add(command, "modality", instances.ConvertAll(i => i.Modality).ToArray());
        Add(command, "accession", instances.ConvertAll(i => i.AccessionNumber).ToArray());
        Add(command, "study_date", instances.ConvertAll(i => i.StudyDate).ToArray());
        Add(command, "study_description", instances.ConvertAll(i => i.StudyDescription).ToArray());
        Add(command, "series_description", instances.ConvertAll(i => i.SeriesDescription).ToArray());
        Add(command, "series_number", instances.ConvertAll(i => i.SeriesNumber).ToArray());
        Add(command, "instance_number", instances.ConvertAll(i => i.InstanceNumber).ToArray());
        Add(command, "frames", instances.ConvertAll(i => i.NumberOfFrames).ToArray());
        Add(command, "transfer_syntax", instances.ConvertAll(i => i.TransferSyntaxUid).ToArray());
        Add(command, "size", instances.ConvertAll(i => i.Size).ToArray());
        Add(command, "sha256", instances.ConvertAll(i => i.Sha256).ToArray());
        Add(command, "created", instances.ConvertAll(i => i.DatetimeCreated).ToArray());

        HashSet<(Guid, string)> inserted = [];
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            inserted.Add((reader.GetGuid(0), reader.GetString(1)));
        }

        return inserted;
    }

    private static void Add<T>(DbCommand command, string name, T[] values) => command.Parameters.Add(new NpgsqlParameter<T[]>(name, values));

    [LoggerMessage(Level = LogLevel.Warning, Message = "A group of {Rows} new instance rows was refused by the database; each row is tried alone")]
    private static partial void LogGroupRefused(ILogger logger, Exception exception, int rows);

    private sealed record PendingRow(DicomInstance Instance, TaskCompletionSource<bool> Inserted)
    {
        public (Guid, string) Key => (Instance.SourceId, Instance.SopInstanceUid);
    }
}
