using Imaging.ResultsApi.Storage;

namespace ResultsApi.Tests;

/// <summary>The group commit of new instances' index rows, on the real PostgreSQL: rows together, answers apart.</summary>
public sealed class NewInstanceIndexTests(ResultsApiFactory api) : IClassFixture<ResultsApiFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Rows_that_wait_together_are_committed_together_and_each_hears_its_own_answer()
    {
        var (index, source) = await IndexAsync();
        var study = DicomUid.Generate();
        var rows = Enumerable.Range(0, 12).Select(_ => Row(source, study)).ToList();
        var stored = Row(source, study);
        Assert.True(await Insert(index, stored));
        // Sent again while it is already indexed, and twice in the same breath: one true, one false.
        var twin = Row(source, study);
        var again = Row(source, study, twin.SopInstanceUid);

        var answers = rows.Append(Row(source, study, stored.SopInstanceUid)).Append(twin).Append(again).Select(r => Insert(index, r)).ToList();
        var results = await Task.WhenAll(answers);

        Assert.All(results.Take(12), Assert.True);
        Assert.False(results[12]);
        Assert.Equal(1, results.Skip(13).Count(inserted => inserted));
        await using var scope = api.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ResultsDbContext>();
        var sops = rows.Select(r => r.SopInstanceUid).Append(twin.SopInstanceUid).ToList();
        Assert.Equal(13, await db.Instances.CountAsync(i => i.StudyInstanceUid == study && sops.Contains(i.SopInstanceUid), Ct));
        // Rows committed by one statement share its transaction id (xmin): thirteen rows in fewer than thirteen.
        var transactions = await db.Database.SqlQuery<long>(
            $"SELECT count(DISTINCT xmin::text)::bigint AS \"Value\" FROM dicom_instances WHERE study_instance_uid = {study} AND sop_instance_uid = ANY({sops.ToArray()})").SingleAsync(Ct);
        Assert.InRange(transactions, 1, 12);
    }

    [Fact]
    public async Task A_row_the_database_refuses_fails_alone_and_the_rest_of_its_group_is_indexed()
    {
        var (index, source) = await IndexAsync();
        var study = DicomUid.Generate();
        var good = Enumerable.Range(0, 6).Select(_ => Row(source, study)).ToList();
        // PostgreSQL's text takes no NUL character.
        var bad = Row(source, study);
        bad.PatientName = "Broken\0Name";

        var goodAnswers = good.Take(3).Select(r => Insert(index, r)).ToList();
        var badAnswer = Insert(index, bad);
        goodAnswers.AddRange(good.Skip(3).Select(r => Insert(index, r)));

        Assert.All(await Task.WhenAll(goodAnswers), Assert.True);
        await Assert.ThrowsAnyAsync<Exception>(() => badAnswer);
        await using var scope = api.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ResultsDbContext>();
        Assert.Equal(6, await db.Instances.CountAsync(i => i.StudyInstanceUid == study, Ct));
    }

    private static Task<bool> Insert(NewInstanceIndex index, DicomInstance row) =>
        index.TryInsertAsync(row) ?? throw new InvalidOperationException("The index took no row: its writer is not running.");

    private async Task<(NewInstanceIndex Index, Guid Source)> IndexAsync()
    {
        await api.LoginAsync();
        await using var scope = api.Services.CreateAsyncScope();
        var source = await scope.ServiceProvider.GetRequiredService<ResultsDbContext>().Sources.Select(s => s.Id).FirstAsync(Ct);
        return (api.Services.GetRequiredService<NewInstanceIndex>(), source);
    }

    private DicomInstance Row(Guid source, string study, string? sop = null) => new()
    {
        SourceId = source,
        StudyInstanceUid = study,
        SeriesInstanceUid = study + ".1",
        SopInstanceUid = sop ?? DicomUid.Generate(),
        SopClassUid = DicomImages.SecondaryCaptureImageStorage,
        PatientName = "Group^Commit",
        Modality = "OT",
        InstanceNumber = 1,
        TransferSyntaxUid = "1.2.840.10008.1.2.1",
        Size = 1,
        Sha256 = new string('0', 64),
        DatetimeCreated = api.Clock.GetUtcNow(),
    };
}
