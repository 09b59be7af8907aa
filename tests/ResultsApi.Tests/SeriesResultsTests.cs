using System.Security.Cryptography;

namespace ResultsApi.Tests;

/// <summary>The vendor series results API: the seed's bodies for every status, token and Source checks, /compute, and signed links that expire.</summary>
public sealed class SeriesResultsTests(ResultsApiFactory api) : IClassFixture<ResultsApiFactory>
{
    private const string Unauthorized = "{\"message\":\"Invalid token header. No credentials provided.\",\"next\":\"/accounts/login/\",\"authenticated\":false}";
    private const string Denied = "{\"success\":false,\"message\":\"Access denied!\"}";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Tokens_and_the_Source_header_are_checked_with_the_seeds_bodies()
    {
        var (token, _) = await CreateTokenAsync();
        var series = await StoreSeriesAsync();
        var other = await api.LoginAsync("other", "other-password");

        var (noToken, noTokenBody) = await GetAsync($"/results/{series}", null, null);
        var (wrongToken, wrongTokenBody) = await GetAsync($"/results/{series}", "Token not-a-token", "default");
        var (bearer, _) = await GetAsync($"/results/{series}", "Bearer something", "default");
        var (noSource, noSourceBody) = await GetAsync($"/results/{series}", $"Token {token}", null);
        var (wrongSource, wrongSourceBody) = await GetAsync($"/results/{series}", $"Token {token}", "other-hospital");
        using var notAnAdmin = await other.PostAsJsonAsync("/api/v1/sources/tokens", new { name = "x" }, Ct);

        Assert.Equal((HttpStatusCode.Unauthorized, Unauthorized), (noToken, noTokenBody));
        Assert.Equal((HttpStatusCode.Unauthorized, Unauthorized), (wrongToken, wrongTokenBody));
        Assert.Equal(HttpStatusCode.Unauthorized, bearer);
        Assert.Equal((HttpStatusCode.Forbidden, Denied), (noSource, noSourceBody));
        Assert.Equal((HttpStatusCode.Forbidden, Denied), (wrongSource, wrongSourceBody));
        Assert.Equal(HttpStatusCode.Forbidden, notAnAdmin.StatusCode);
    }

    [Fact]
    public async Task A_series_goes_from_not_uploaded_to_uploaded_to_queued_with_the_seeds_bodies()
    {
        var (token, _) = await CreateTokenAsync();
        var missing = DicomUid.Generate();
        var (notUploaded, notUploadedBody) = await GetAsync($"/results/{missing}", $"Token {token}", "default");
        var series = await StoreSeriesAsync();

        var (neverQueued, _) = await GetAsync($"/results/{series}", $"Token {token}", "default");
        var (queued, queuedBody) = await GetAsync($"/compute/{series}", $"Token {token}", "default");
        var (again, _) = await GetAsync($"/compute/{series}", $"Token {token}", "default");
        var (processing, processingBody) = await GetAsync($"/results/{series}", $"Token {token}", "default");

        Assert.Equal((HttpStatusCode.NotFound, $"{{\"success\":false,\"message\":\"Resource with sopInstanceUID {missing} is not yet uploaded!\"}}"), (notUploaded, notUploadedBody));
        Assert.Equal(HttpStatusCode.Conflict, neverQueued);
        Assert.Equal(HttpStatusCode.OK, queued);
        Assert.Contains("queued", queuedBody, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotModified, again);
        Assert.Equal((HttpStatusCode.Accepted, $"{{\"success\":false,\"message\":\"Resource with sopInstanceUID {series} is under process. Please check back in some time.\"}}"),
            (processing, processingBody));
    }

    [Fact]
    public async Task Another_sources_token_and_a_revoked_token_get_nothing()
    {
        var (token, id) = await CreateTokenAsync();
        var series = await StoreSeriesAsync();
        var otherToken = await CreateTokenForOtherSourceAsync();
        var admin = await api.LoginAsync();

        var (foreign, foreignBody) = await GetAsync($"/results/{series}", $"Token {otherToken}", "other-hospital");
        using (var revoke = await admin.DeleteAsync($"/api/v1/sources/tokens/{id}", Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        }

        var (revoked, revokedBody) = await GetAsync($"/results/{series}", $"Token {token}", "default");

        // Another source's series is as absent as one never uploaded: the answer does not reveal that it exists.
        Assert.Equal((HttpStatusCode.NotFound, $"{{\"success\":false,\"message\":\"Resource with sopInstanceUID {series} is not yet uploaded!\"}}"), (foreign, foreignBody));
        Assert.Equal((HttpStatusCode.Unauthorized, Unauthorized), (revoked, revokedBody));
    }

    [Fact]
    public async Task An_unsupported_modality_answers_the_seeds_400_and_a_finished_analysis_its_200_with_signed_links()
    {
        var (token, _) = await CreateTokenAsync();
        var unsupported = await StoreSeriesAsync();
        var done = await StoreSeriesAsync();
        var source = await SetAnalysisAsync(unsupported, AnalysisStatus.UNSUPPORTED, "{}", reason: "Modality OT has no use case");
        await SetAnalysisAsync(done, AnalysisStatus.DONE, "{\"json\": [\"report.json\"], \"sc\": [\"preview-001.dcm\"]}");
        var report = Encoding.UTF8.GetBytes("{\"mean\": 1.5}");
        var folder = Path.Combine(api.StorageRoot, "analysis", source.ToString(), done);
        Directory.CreateDirectory(folder);
        await File.WriteAllBytesAsync(Path.Combine(folder, "report.json"), report, Ct);
        await File.WriteAllBytesAsync(Path.Combine(folder, "preview-001.dcm"), new byte[300], Ct);

        var (badRequest, badRequestBody) = await GetAsync($"/results/{unsupported}", $"Token {token}", "default");
        var (ok, okBody) = await GetAsync($"/results/{done}", $"Token {token}", "default");

        Assert.Equal(HttpStatusCode.BadRequest, badRequest);
        Assert.Equal($"{{\"success\":false,\"message\":\"Use case not implemented\",\"seriesInstanceUID\":\"{unsupported}\",\"accessionNumber\":\"ACC-1\","
            + "\"debug_info\":{\"reason\":\"Modality OT has no use case\"},\"result\":{}}", badRequestBody);
        Assert.Equal(HttpStatusCode.OK, ok);
        var body = JsonDocument.Parse(okBody).RootElement;
        Assert.Equal(["success", "message", "triage_status", "result", "usecase"], body.EnumerateObject().Select(p => p.Name));
        Assert.Equal("Results retrieved successfully!", body.GetProperty("message").GetString());
        Assert.Equal("Routine", body.GetProperty("triage_status").GetString());
        var link = new Uri(body.GetProperty("result").GetProperty("files").GetProperty("json")[0].GetString()!);

        var anonymous = api.CreateClient();
        Assert.Equal(report, await anonymous.GetByteArrayAsync(link.PathAndQuery, Ct));
        using var range = new HttpRequestMessage(HttpMethod.Get, link.PathAndQuery) { Headers = { Range = new RangeHeaderValue(2, 5) } };
        using (var partial = await anonymous.SendAsync(range, Ct))
        {
            Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
            Assert.Equal(report[2..6], await partial.Content.ReadAsByteArrayAsync(Ct));
        }

        var tampered = link.PathAndQuery.Replace("report.json", "preview-001.dcm", StringComparison.Ordinal);
        using (var refused = await anonymous.GetAsync(tampered, Ct))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Equal(Denied, await refused.Content.ReadAsStringAsync(Ct));
        }

        api.Clock.Advance(TimeSpan.FromMinutes(16));
        using var expired = await anonymous.GetAsync(link.PathAndQuery, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, expired.StatusCode);
    }

    [Fact]
    public async Task Studies_are_uploaded_through_the_vendor_form_with_an_answer_per_file_and_per_series()
    {
        var (token, _) = await CreateTokenAsync();
        var (study, series) = (DicomUid.Generate(), DicomUid.Generate());
        var garbage = new byte[500];
        new Random(4).NextBytes(garbage);
        using var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(StowTests.Instance(study, series, 1, out var first)), "file_0", "a.dcm" },
            { new ByteArrayContent(garbage), "file_1", "b.dcm" },
            { new ByteArrayContent(StowTests.Instance(study, series, 2, out _)), "file_2", "c.dcm" },
        };

        using var request = new HttpRequestMessage(HttpMethod.Post, "/studies") { Content = form };
        request.Headers.TryAddWithoutValidation("Authorization", $"Token {token}");
        request.Headers.Add("Source", "default");
        using var response = await api.CreateClient().SendAsync(request, Ct);
        using var anonymous = await api.CreateClient().PostAsync("/studies", new MultipartFormDataContent { { new ByteArrayContent(garbage), "file_0", "b.dcm" } }, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.False(body.GetProperty("success").GetBoolean());
        var files = body.GetProperty("files").EnumerateArray().ToList();
        Assert.Equal([true, false, true], files.Select(f => f.GetProperty("stored").GetBoolean()));
        Assert.Equal(first, files[0].GetProperty("sopInstanceUID").GetString());
        Assert.Contains("Not a readable DICOM instance", files[1].GetProperty("reason").GetString(), StringComparison.Ordinal);
        var seriesCount = Assert.Single(body.GetProperty("series").EnumerateArray());
        Assert.Equal((series, 2), (seriesCount.GetProperty("seriesInstanceUID").GetString(), seriesCount.GetProperty("instances").GetInt32()));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(Unauthorized, await anonymous.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task The_command_line_creates_lists_and_revokes_tokens_that_the_vendor_API_honours()
    {
        var series = await StoreSeriesAsync();
        var (created, createdText, _) = await CommandAsync("tokens", "create", "--source", "default", "--name", "from the shell");
        var token = createdText.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[^1];
        var id = createdText.Split(' ')[1];
        var (accepted, _) = await GetAsync($"/compute/{series}", $"Token {token}", "default");
        var (listed, listText, _) = await CommandAsync("tokens", "list", "--source", "default");
        var (revoked, _, _) = await CommandAsync("tokens", "revoke", id);
        var (refused, refusedBody) = await GetAsync($"/results/{series}", $"Token {token}", "default");
        var (unknownSource, _, unknownError) = await CommandAsync("tokens", "create", "--source", "nowhere", "--name", "x");
        var (usage, _, usageError) = await CommandAsync("tokens", "mint");

        Assert.Equal(0, created);
        Assert.Matches("^[0-9a-f]{48}$", token);
        Assert.Equal(HttpStatusCode.OK, accepted);
        Assert.Equal(0, listed);
        Assert.Contains($"{id}  from the shell  created", listText, StringComparison.Ordinal);
        Assert.Equal(0, revoked);
        Assert.Equal((HttpStatusCode.Unauthorized, Unauthorized), (refused, refusedBody));
        Assert.Equal((1, "There is no source 'nowhere'."), (unknownSource, unknownError.Trim()));
        Assert.Equal(2, usage);
        Assert.Contains("usage: ResultsApi tokens create", usageError, StringComparison.Ordinal);
    }

    /// <summary>The service's own executable, as an administrator runs it, on this class's database.</summary>
    private async Task<(int ExitCode, string Output, string Error)> CommandAsync(params string[] arguments)
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ResultsApi.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in api.ConnectionStrings)
        {
            start.Environment[name] = value;
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(Ct);
        var error = process.StandardError.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);
        return (process.ExitCode, await output, await error);
    }

    private async Task<(string Token, Guid Id)> CreateTokenAsync()
    {
        var admin = await api.LoginAsync();
        using var response = await admin.PostAsJsonAsync("/api/v1/sources/tokens", new { name = "viewer" }, Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("default", body.GetProperty("source").GetString());
        return (body.GetProperty("token").GetString()!, body.GetProperty("id").GetGuid());
    }

    private async Task<string> CreateTokenForOtherSourceAsync()
    {
        await using var scope = api.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ResultsDbContext>();
        var source = await db.Sources.SingleAsync(s => s.Name == "other-hospital", Ct);
        var secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        db.SourceApiTokens.Add(new SourceApiToken { Id = Guid.NewGuid(), SourceId = source.Id, TokenHash = SHA256.HashData(Encoding.ASCII.GetBytes(secret)), Name = "other" });
        await db.SaveChangesAsync(Ct);
        return secret;
    }

    private async Task<Guid> SetAnalysisAsync(string series, AnalysisStatus status, string files, string? reason = null)
    {
        await using var scope = api.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ResultsDbContext>();
        var source = await db.Instances.Where(i => i.SeriesInstanceUid == series).Select(i => i.SourceId).FirstAsync(Ct);
        db.SeriesAnalyses.Add(new SeriesAnalysis
        {
            SourceId = source,
            SeriesInstanceUid = series,
            Status = status,
            Files = files,
            Reason = reason,
            TriageStatus = "Routine",
            Usecase = "qct",
        });
        await db.SaveChangesAsync(Ct);
        return source;
    }

    private async Task<string> StoreSeriesAsync()
    {
        var client = await api.LoginAsync();
        var series = DicomUid.Generate();
        using var stored = await client.PostAsync("/dicom-web/studies", StowTests.Related(StowTests.Instance(DicomUid.Generate(), series, 1, out _)), Ct);
        Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        return series;
    }

    private async Task<(HttpStatusCode Status, string Body)> GetAsync(string path, string? authorization, string? source)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        if (source is not null)
        {
            request.Headers.Add("Source", source);
        }

        using var response = await api.CreateClient().SendAsync(request, Ct);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(Ct));
    }
}
