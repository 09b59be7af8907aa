using Microsoft.AspNetCore.Identity;

namespace ResultsApi.Tests;

/// <summary>
/// Two sources, each with its own admin and source token, through HTTP: the series-results API (/results, /compute,
/// the signed links and the vendor upload) finds a series only among the caller's source's instances. Another source's
/// series answers exactly as a series never uploaded, queues nothing and hands out no link (the regression of the
/// report where one source queued and read another's series).
/// </summary>
public sealed class CrossSourceSeriesTests(ResultsApiFactory api) : IClassFixture<ResultsApiFactory>
{
    private const string SecondAdmin = "second-admin";
    private const string SecondPassword = "second admin password";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string NotUploaded(string series) => $"{{\"success\":false,\"message\":\"Resource with sopInstanceUID {series} is not yet uploaded!\"}}";

    [Fact]
    public async Task Another_sources_series_is_answered_as_never_uploaded_queues_nothing_and_gives_no_link()
    {
        var (ownerToken, otherToken) = (await TokenAsync(await api.LoginAsync()), await TokenAsync(await SecondAdminAsync()));
        var series = await StoreAsync(await api.LoginAsync());
        var neverStored = DicomUid.Generate();
        var before = await StateAsync(series);

        // 1. /results: the same answer as for a UID stored nowhere, not the owner's 409.
        var (results, resultsBody) = await VendorGetAsync($"/results/{series}", otherToken, "other-hospital");
        var (missing, missingBody) = await VendorGetAsync($"/results/{neverStored}", otherToken, "other-hospital");
        // 2. /compute: nothing is queued.
        var (compute, computeBody) = await VendorGetAsync($"/compute/{series}", otherToken, "other-hospital");
        var afterRefusals = await StateAsync(series);

        Assert.Equal((HttpStatusCode.NotFound, NotUploaded(series)), (results, resultsBody));
        Assert.Equal((HttpStatusCode.NotFound, NotUploaded(neverStored)), (missing, missingBody));
        Assert.Equal((HttpStatusCode.NotFound, NotUploaded(series)), (compute, computeBody));
        Assert.Equal(before, afterRefusals);

        // 3. Once the owner's analysis is done, the owner gets its links and the other source still gets the 404, no link.
        var (ownerCompute, _) = await VendorGetAsync($"/compute/{series}", ownerToken, "default");
        await FinishAsync(series);
        var (ownerResults, ownerBody) = await VendorGetAsync($"/results/{series}", ownerToken, "default");
        var (done, doneBody) = await VendorGetAsync($"/results/{series}", otherToken, "other-hospital");
        var (recompute, recomputeBody) = await VendorGetAsync($"/compute/{series}", otherToken, "other-hospital");

        Assert.Equal(HttpStatusCode.OK, ownerCompute);
        Assert.Equal(HttpStatusCode.OK, ownerResults);
        Assert.Contains("/results/files/", ownerBody, StringComparison.Ordinal);
        Assert.Equal((HttpStatusCode.NotFound, NotUploaded(series)), (done, doneBody));
        Assert.Equal((HttpStatusCode.NotFound, NotUploaded(series)), (recompute, recomputeBody));
        Assert.Equal(1, await AnalysesAsync(series));
    }

    [Fact]
    public async Task An_upload_into_another_sources_series_uid_makes_a_series_of_the_uploaders_own()
    {
        var (ownerToken, otherToken) = (await TokenAsync(await api.LoginAsync()), await TokenAsync(await SecondAdminAsync()));
        var (study, series) = (DicomUid.Generate(), DicomUid.Generate());
        using (var stored = await (await api.LoginAsync()).PostAsync("/dicom-web/studies",
            StowTests.Related(StowTests.Instance(study, series, 1, out _), StowTests.Instance(study, series, 2, out _)), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        }

        // The other source sends one instance under the same series UID: it counts its own instance only.
        using var form = new MultipartFormDataContent { { new ByteArrayContent(StowTests.Instance(study, series, 3, out var sop)), "file_0", "a.dcm" } };
        using var upload = new HttpRequestMessage(HttpMethod.Post, "/studies") { Content = form };
        upload.Headers.TryAddWithoutValidation("Authorization", $"Token {otherToken}");
        upload.Headers.Add("Source", "other-hospital");
        using var uploaded = await api.CreateClient().SendAsync(upload, Ct);
        var body = JsonDocument.Parse(await uploaded.Content.ReadAsStringAsync(Ct)).RootElement;

        Assert.Equal(HttpStatusCode.OK, uploaded.StatusCode);
        var counted = Assert.Single(body.GetProperty("series").EnumerateArray());
        Assert.Equal((series, 1), (counted.GetProperty("seriesInstanceUID").GetString(), counted.GetProperty("instances").GetInt32()));
        Assert.Equal(sop, body.GetProperty("files")[0].GetProperty("sopInstanceUID").GetString());

        // Each source now has a series of its own under that UID, never queued; queueing one leaves the other alone.
        var (otherResults, _) = await VendorGetAsync($"/results/{series}", otherToken, "other-hospital");
        var (otherCompute, _) = await VendorGetAsync($"/compute/{series}", otherToken, "other-hospital");
        var (ownerResults, _) = await VendorGetAsync($"/results/{series}", ownerToken, "default");

        Assert.Equal(HttpStatusCode.Conflict, otherResults);
        Assert.Equal(HttpStatusCode.OK, otherCompute);
        Assert.Equal(HttpStatusCode.Conflict, ownerResults);
        await using var scope = api.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ResultsDbContext>();
        var queued = await db.SeriesAnalyses.Where(a => a.SeriesInstanceUid == series).Join(db.Sources, a => a.SourceId, s => s.Id, (a, s) => s.Name).ToListAsync(Ct);
        Assert.Equal(["other-hospital"], queued);
        var owner = await db.Sources.Where(s => s.Name == "default").Select(s => s.Id).SingleAsync(Ct);
        Assert.Equal(2, await db.Instances.CountAsync(i => i.SeriesInstanceUid == series && i.SourceId == owner, Ct));
    }

    /// <summary>What a refused request must not change: the series' analyses, its instances and the outbox.</summary>
    private async Task<string> StateAsync(string series)
    {
        await using var scope = api.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ResultsDbContext>();
        var analyses = await db.SeriesAnalyses.AsNoTracking().Where(a => a.SeriesInstanceUid == series)
            .Select(a => new { a.SourceId, a.Status, a.Attempt, a.Files }).ToListAsync(Ct);
        var instances = await db.Instances.AsNoTracking().Where(i => i.SeriesInstanceUid == series).Select(i => new { i.SourceId, i.SopInstanceUid }).ToListAsync(Ct);
        var outbox = await db.Outbox.CountAsync(Ct);
        return JsonSerializer.Serialize(new { analyses, instances, outbox });
    }

    private async Task<int> AnalysesAsync(string series)
    {
        await using var scope = api.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ResultsDbContext>().SeriesAnalyses.CountAsync(a => a.SeriesInstanceUid == series, Ct);
    }

    /// <summary>The owner's analysis as the worker leaves it when done: DONE with a stored file.</summary>
    private async Task FinishAsync(string series)
    {
        await using var scope = api.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ResultsDbContext>();
        var analysis = await db.SeriesAnalyses.SingleAsync(a => a.SeriesInstanceUid == series, Ct);
        var folder = Path.Combine(api.StorageRoot, "analysis", analysis.SourceId.ToString(), series);
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "report.json"), "{\"patient\": \"Stow^Test\"}", Ct);
        analysis.Status = AnalysisStatus.DONE;
        analysis.TriageStatus = "Routine";
        analysis.Usecase = "qct";
        analysis.Files = "{\"json\": [\"report.json\"]}";
        await db.SaveChangesAsync(Ct);
    }

    /// <summary>An admin of the second source ("other-hospital"), logged in through the API.</summary>
    private async Task<HttpClient> SecondAdminAsync()
    {
        await using (var scope = api.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ResultsDbContext>();
            if (!await db.Users.AnyAsync(u => u.Username == SecondAdmin, Ct))
            {
                var source = await db.Sources.Where(s => s.Name == "other-hospital").Select(s => s.Id).SingleAsync(Ct);
                var user = new User { Username = SecondAdmin, SourceId = source, Role = Roles.Admin, PasswordHash = "", DatetimeCreated = api.Clock.GetUtcNow() };
                user.PasswordHash = scope.ServiceProvider.GetRequiredService<IPasswordHasher<User>>().HashPassword(user, SecondPassword);
                db.Users.Add(user);
                await db.SaveChangesAsync(Ct);
            }
        }

        return await api.LoginAsync(SecondAdmin, SecondPassword);
    }

    private static async Task<string> TokenAsync(HttpClient admin)
    {
        using var response = await admin.PostAsJsonAsync("/api/v1/sources/tokens", new { name = "cross-source" }, Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("token").GetString()!;
    }

    private static async Task<string> StoreAsync(HttpClient client)
    {
        var series = DicomUid.Generate();
        using var stored = await client.PostAsync("/dicom-web/studies", StowTests.Related(StowTests.Instance(DicomUid.Generate(), series, 1, out _)), Ct);
        Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        return series;
    }

    private async Task<(HttpStatusCode Status, string Body)> VendorGetAsync(string path, string token, string source)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("Authorization", $"Token {token}");
        request.Headers.Add("Source", source);
        using var response = await api.CreateClient().SendAsync(request, Ct);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(Ct));
    }
}
