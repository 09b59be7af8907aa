using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace ResultsApi.Tests;

/// <summary>STOW-RS: instances stored byte for byte and indexed, the standard response, idempotent re-sends, refusals that leave nothing.</summary>
public sealed class StowTests(ResultsApiFactory api) : IClassFixture<ResultsApiFactory>
{
    private const int CannotUnderstand = 0xC000;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_same_new_instance_sent_by_several_clients_at_once_is_stored_once_and_every_client_hears_so()
    {
        var client = await api.LoginAsync();
        var instance = Instance(DicomUid.Generate(), DicomUid.Generate(), 1, out var sop);

        // Concurrent first stores of one SOP Instance race to the unique index; the soak found the loser answered 500.
        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            using var response = await client.PostAsync("/dicom-web/studies", Related(instance), Ct);
            return (response.StatusCode, Body: await response.Content.ReadAsStringAsync(Ct));
        }));

        Assert.All(answers, a => Assert.True(a.StatusCode == HttpStatusCode.OK, $"{(int)a.StatusCode}: {a.Body}"));
        await using var scope = api.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<Imaging.ResultsApi.Data.ResultsDbContext>();
        Assert.Equal(1, await db.Instances.CountAsync(i => i.SopInstanceUid == sop, Ct));
    }

    [Fact]
    public async Task Instances_are_stored_byte_for_byte_indexed_and_answered_with_the_store_response()
    {
        var client = await api.LoginAsync();
        var (study, series) = (DicomUid.Generate(), DicomUid.Generate());
        var first = Instance(study, series, 1, out var firstUid);
        var second = Instance(study, series, 2, out var secondUid);

        using var response = await client.PostAsync("/dicom-web/studies", Related(first, second), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/dicom+json", response.Content.Headers.ContentType?.MediaType);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.EndsWith($"/dicom-web/studies/{study}", body.GetProperty("00081190").GetProperty("Value")[0].GetString(), StringComparison.Ordinal);
        var referenced = body.GetProperty("00081199").GetProperty("Value").EnumerateArray().ToList();
        Assert.Equal([firstUid, secondUid], referenced.Select(r => r.GetProperty("00081155").GetProperty("Value")[0].GetString()));
        Assert.All(referenced, r => Assert.Equal(DicomImages.SecondaryCaptureImageStorage, r.GetProperty("00081150").GetProperty("Value")[0].GetString()));
        Assert.EndsWith($"/studies/{study}/series/{series}/instances/{firstUid}", referenced[0].GetProperty("00081190").GetProperty("Value")[0].GetString(), StringComparison.Ordinal);
        Assert.False(body.TryGetProperty("00081198", out _));

        await using var scope = api.Services.CreateAsyncScope();
        var rows = await scope.ServiceProvider.GetRequiredService<ResultsDbContext>().Instances.AsNoTracking()
            .Where(i => i.SeriesInstanceUid == series).OrderBy(i => i.InstanceNumber).ToListAsync(Ct);
        Assert.Equal(2, rows.Count);
        Assert.Equal(("OT", "P-STOW", "ACC-1", "19700101", 1), (rows[0].Modality, rows[0].PatientId, rows[0].AccessionNumber, rows[0].StudyDate, rows[0].NumberOfFrames));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(first)), rows[0].Sha256);
        var onDisk = Directory.GetFiles(Path.Combine(api.StorageRoot, "dicom"), $"{firstUid}.dcm", SearchOption.AllDirectories).Single();
        Assert.Equal(first, await File.ReadAllBytesAsync(onDisk, Ct));
    }

    [Fact]
    public async Task Sending_the_same_instance_again_changes_nothing()
    {
        var client = await api.LoginAsync();
        var instance = Instance(DicomUid.Generate(), DicomUid.Generate(), 1, out var uid);
        (await client.PostAsync("/dicom-web/studies", Related(instance), Ct)).Dispose();

        using var again = await client.PostAsync("/dicom-web/studies", Related(instance), Ct);

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        await using var scope = api.Services.CreateAsyncScope();
        var row = await scope.ServiceProvider.GetRequiredService<ResultsDbContext>().Instances.AsNoTracking().SingleAsync(i => i.SopInstanceUid == uid, Ct);
        Assert.Null(row.DatetimeUpdated);
    }

    [Fact]
    public async Task An_instance_already_stored_under_another_series_is_refused_and_leaves_no_file_there()
    {
        var client = await api.LoginAsync();
        var study = DicomUid.Generate();
        var (firstSeries, otherSeries) = (DicomUid.Generate(), DicomUid.Generate());
        var first = Instance(study, firstSeries, 1, out var sop);
        (await client.PostAsync("/dicom-web/studies", Related(first), Ct)).Dispose();

        using var response = await client.PostAsync("/dicom-web/studies", Related(Instance(study, otherSeries, 2, sop)), Ct);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var failed = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("00081198").GetProperty("Value")[0];
        Assert.Equal(sop, failed.GetProperty("00081155").GetProperty("Value")[0].GetString());
        Assert.Equal(CannotUnderstand, failed.GetProperty("00081197").GetProperty("Value")[0].GetInt32());
        var copies = Directory.GetFiles(Path.Combine(api.StorageRoot, "dicom"), $"{sop}.dcm", SearchOption.AllDirectories);
        Assert.Equal(first, await File.ReadAllBytesAsync(Assert.Single(copies), Ct));
        Assert.Contains(firstSeries, copies[0], StringComparison.Ordinal);
        await using var scope = api.Services.CreateAsyncScope();
        var row = await scope.ServiceProvider.GetRequiredService<ResultsDbContext>().Instances.AsNoTracking().SingleAsync(i => i.SopInstanceUid == sop, Ct);
        Assert.Equal((firstSeries, Convert.ToHexStringLower(SHA256.HashData(first))), (row.SeriesInstanceUid, row.Sha256));
    }

    [Fact]
    public async Task An_instance_sent_again_with_other_bytes_replaces_the_stored_copy_even_when_its_file_was_lost()
    {
        var client = await api.LoginAsync();
        var (study, series) = (DicomUid.Generate(), DicomUid.Generate());
        (await client.PostAsync("/dicom-web/studies", Related(Instance(study, series, 1, out var sop)), Ct)).Dispose();
        var path = Directory.GetFiles(Path.Combine(api.StorageRoot, "dicom"), $"{sop}.dcm", SearchOption.AllDirectories).Single();
        File.Delete(path);
        var changed = Instance(study, series, 3, sop);

        using var response = await client.PostAsync("/dicom-web/studies", Related(changed), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(changed, await File.ReadAllBytesAsync(path, Ct));
        await using var scope = api.Services.CreateAsyncScope();
        var row = await scope.ServiceProvider.GetRequiredService<ResultsDbContext>().Instances.AsNoTracking().SingleAsync(i => i.SopInstanceUid == sop, Ct);
        Assert.Equal((Convert.ToHexStringLower(SHA256.HashData(changed)), (long)changed.Length, 3), (row.Sha256, row.Size, row.InstanceNumber));
        Assert.NotNull(row.DatetimeUpdated);
    }

    [Fact]
    public async Task Unreadable_parts_are_reported_as_failed_and_leave_nothing_while_the_good_ones_are_stored()
    {
        var client = await api.LoginAsync();
        var good = Instance(DicomUid.Generate(), DicomUid.Generate(), 1, out var goodUid);
        var garbage = new byte[3000];
        new Random(9).NextBytes(garbage);
        var raw = good[(128 + 4 + MetaLength(good))..]; // the dataset without its Part-10 header

        using var mixed = await client.PostAsync("/dicom-web/studies", Related(garbage, good, raw), Ct);
        using var allBad = await client.PostAsync("/dicom-web/studies", Related(garbage), Ct);

        Assert.Equal(HttpStatusCode.Accepted, mixed.StatusCode);
        var body = JsonDocument.Parse(await mixed.Content.ReadAsStringAsync(Ct)).RootElement;
        var failures = body.GetProperty("00081198").GetProperty("Value").EnumerateArray().ToList();
        Assert.Equal(2, failures.Count);
        Assert.All(failures, f => Assert.Equal(CannotUnderstand, f.GetProperty("00081197").GetProperty("Value")[0].GetInt32()));
        Assert.Equal(goodUid, body.GetProperty("00081199").GetProperty("Value")[0].GetProperty("00081155").GetProperty("Value")[0].GetString());
        Assert.Equal(HttpStatusCode.Conflict, allBad.StatusCode);
        Assert.Empty(Directory.GetFiles(Path.Combine(api.StorageRoot, "dicom", ".incoming")));
    }

    [Fact]
    public async Task An_instance_of_another_study_than_the_url_names_is_refused()
    {
        var client = await api.LoginAsync();
        var instance = Instance(DicomUid.Generate(), DicomUid.Generate(), 1, out var uid);

        using var response = await client.PostAsync($"/dicom-web/studies/{DicomUid.Generate()}", Related(instance), Ct);
        using var badStudy = await client.PostAsync("/dicom-web/studies/1.2.abc", Related(instance), Ct);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badStudy.StatusCode);
        await using var scope = api.Services.CreateAsyncScope();
        Assert.False(await scope.ServiceProvider.GetRequiredService<ResultsDbContext>().Instances.AnyAsync(i => i.SopInstanceUid == uid, Ct));
    }

    [Fact]
    public async Task Other_media_types_and_anonymous_callers_are_refused()
    {
        var client = await api.LoginAsync();
        var instance = Instance(DicomUid.Generate(), DicomUid.Generate(), 1, out _);
        var json = Related(instance);
        json.Headers.ContentType!.Parameters.Single(p => p.Name == "type").Value = "\"application/dicom+json\"";

        using var notMultipart = await client.PostAsync("/dicom-web/studies", new ByteArrayContent(instance) { Headers = { ContentType = new("application/dicom") } }, Ct);
        using var wrongType = await client.PostAsync("/dicom-web/studies", json, Ct);
        using var anonymous = await api.CreateClient().PostAsync("/dicom-web/studies", Related(instance), Ct);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, notMultipart.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, wrongType.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task A_large_upload_logs_how_far_it_has_got_and_what_it_stored()
    {
        var client = await api.LoginAsync();
        var (study, series) = (DicomUid.Generate(), DicomUid.Generate());
        var instances = Enumerable.Range(1, 250).Select(n => Instance(study, series, n, out _)).ToArray();

        using var response = await client.PostAsync("/dicom-web/studies", Related(instances), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var lines = api.Logs.Lines.Where(l => l.StartsWith("STOW-RS for source ", StringComparison.Ordinal)).ToList();
        var mine = lines.FindIndex(l => l.Contains($"of study {study};", StringComparison.Ordinal));
        Assert.True(mine >= 2, string.Join('\n', lines));
        Assert.Contains(": 100 part(s) read so far, ", lines[mine - 2], StringComparison.Ordinal);
        Assert.Contains(": 200 part(s) read so far, ", lines[mine - 1], StringComparison.Ordinal);
        Assert.Matches($@": 250 instance\(s\) stored, 0 refused, of study {Regex.Escape(study)}; \d+ bytes read$", lines[mine]);
    }

    internal static MultipartContent Related(params byte[][] instances)
    {
        var content = new MultipartContent("related", $"stow-{Guid.NewGuid():N}");
        content.Headers.ContentType!.Parameters.Add(new NameValueHeaderValue("type", "\"application/dicom\""));
        foreach (var instance in instances)
        {
            content.Add(new ByteArrayContent(instance) { Headers = { ContentType = new MediaTypeHeaderValue("application/dicom") } });
        }

        return content;
    }

    internal static byte[] Instance(string study, string series, int number, out string sopInstanceUid)
    {
        sopInstanceUid = DicomUid.Generate();
        return Instance(study, series, number, sopInstanceUid);
    }

    internal static byte[] Instance(string study, string series, int number, string sopInstanceUid)
    {
        var pixels = Enumerable.Range(0, 32 * 32).Select(i => (ushort)(i * number)).ToArray();
        var dataset = DicomImages.SecondaryCapture(new PatientStudy("P-STOW", "Stow^Test", study, DateTimeOffset.UnixEpoch, AccessionNumber: "ACC-1"),
            new ImageSeries(series, 1, "OT"), number, ImagePixels.Gray16(pixels, 32, 32), DateTimeOffset.UnixEpoch, sopInstanceUid);
        using var stream = new MemoryStream();
        DicomFile.Create(dataset).Save(stream);
        return stream.ToArray();
    }

    // (0002,0000) File Meta Information Group Length: the 12-byte element itself plus its value.
    private static int MetaLength(byte[] part10) => 12 + BitConverter.ToInt32(part10, 128 + 4 + 8);
}
