using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Imaging.Dicom;
using Imaging.ImagingImport.Cohort;
using Imaging.ImagingImport.Import;
using Imaging.ImagingImport.Tracking;
using Imaging.StandIns;
using Microsoft.EntityFrameworkCore;

namespace ImagingImport.Tests;

/// <summary>
/// The seed's XNATAuthHeaders: a caller without the service key sends its own XNAT credentials (HTTP Basic, or an XNAT
/// session as Cookie: JSESSIONID), the request's XNAT calls run as that user, and XNAT's project permissions decide:
/// XNAT's 401 is a 401 here, its 403 a 403. The service key still works for service callers.
/// </summary>
// Not beside the other class that imports: ImportTests counts the import phases through a process-wide MeterListener.
[Collection(ImportMetricsCollection.Name)]
public sealed class XnatCredentialsTests(ImportFactory import) : IClassFixture<ImportFactory>
{
    private const string Member = "alice";
    private const string Outsider = "bob";
    private const string MemberPassword = "alice's password";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Query => new CohortQuery { AccessionNumbers = ["CRED-1"] }.Encode();

    [Fact]
    public async Task Basic_credentials_alone_reach_the_projects_XNAT_lets_that_user_see_and_the_calls_run_as_that_user()
    {
        Setup();
        var before = (import.Xnat.CallsBy(Member), import.Xnat.CallsBy(XnatStandIn.Username));

        using var own = await Client(Basic(Member, MemberPassword)).GetAsync($"/retrieval/import_status_count/CRED_A?encoded_query={Query}", Ct);
        using var unknown = await Client(Basic(Member, MemberPassword)).GetAsync($"/retrieval/import_status_count/CRED_NONE?encoded_query={Query}", Ct);
        using var foreign = await Client(Basic(Outsider, "bob's password")).GetAsync($"/retrieval/import_status_count/CRED_A?encoded_query={Query}", Ct);
        using var foreignStudies = await Client(Basic(Outsider, "bob's password")).GetAsync("/retrieval/studies/CRED_A", Ct);
        using var foreignReimport = await Client(Basic(Outsider, "bob's password")).PutAsync($"/retrieval/reimport_imaging_project_studies/CRED_A?encoded_query={Query}", null, Ct);
        using var wrongPassword = await Client(Basic(Member, "not it")).GetAsync($"/retrieval/import_status_count/CRED_A?encoded_query={Query}", Ct);

        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Equal(0, (await own.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("import_status").GetProperty("successful_count").GetInt32());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, foreign.StatusCode);
        Assert.Equal("No access to this XNAT project", await TitleAsync(foreign));
        Assert.Equal(HttpStatusCode.Forbidden, foreignStudies.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, foreignReimport.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongPassword.StatusCode);
        Assert.Equal("XNAT refused your credentials", await TitleAsync(wrongPassword));
        // Those requests asked XNAT as alice, never as the service account.
        Assert.True(import.Xnat.CallsBy(Member) >= before.Item1 + 2);
        Assert.Equal(before.Item2, import.Xnat.CallsBy(XnatStandIn.Username));
    }

    [Fact]
    public async Task An_XNAT_session_works_until_it_expires_then_answers_401()
    {
        Setup();
        string session;
        using (var login = new HttpClient { BaseAddress = import.Xnat.BaseAddress })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/data/JSESSION") { Headers = { Authorization = Basic(Member, MemberPassword) } };
            session = await (await login.SendAsync(request, Ct)).Content.ReadAsStringAsync(Ct);
        }

        using var live = await SendAsync($"/retrieval/import_status_count/CRED_A?encoded_query={Query}", cookie: $"JSESSIONID={session}");
        import.Xnat.ExpireSessions();
        using var expired = await SendAsync($"/retrieval/import_status_count/CRED_A?encoded_query={Query}", cookie: $"JSESSIONID={session}");

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);
    }

    [Theory]
    [InlineData("Basic !!!")]
    [InlineData("Basic bm9jb2xvbg==")] // "nocolon": no user:password pair
    [InlineData("Bearer abc")]
    public async Task Malformed_credentials_get_401_and_no_call_to_XNAT(string authorization)
    {
        Setup();
        var calls = import.Xnat.Calls;
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/retrieval/import_status_count/CRED_A?encoded_query={Query}");
        request.Headers.TryAddWithoutValidation("Authorization", authorization);

        using var response = await import.CreateClient().SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Malformed XNAT credentials", await TitleAsync(response));
        Assert.Equal(calls, import.Xnat.Calls);
    }

    [Fact]
    public async Task A_cohort_an_XNAT_user_queues_is_imported_in_the_background_as_that_user_never_as_the_service_account()
    {
        Setup();
        var query = await StoreCohortAsync("BG", 3);
        var serviceCalls = import.Xnat.CallsBy(XnatStandIn.Username);

        using var queued = await Client(Basic(Member, MemberPassword)).PostAsync($"/retrieval/import/CRED_A?encoded_query={query}", null, Ct);
        var importsBefore = import.Xnat.ImportCalls;
        await RunRoundsAsync();

        Assert.Equal(HttpStatusCode.Accepted, queued.StatusCode);
        var studies = await StudiesAsync("CRED_A", Basic(Member, MemberPassword), query);
        Assert.Equal(3, studies.Count(s => s.GetProperty("status").GetString() == "successful" && s.GetProperty("imported_as").GetString() == "queuing_xnat_user"));
        Assert.Equal(importsBefore + 3, import.Xnat.ImportCalls);
        Assert.Equal(serviceCalls, import.Xnat.CallsBy(XnatStandIn.Username));
        await AssertNoCredentialStoredAsync(Member, MemberPassword);
    }

    [Fact]
    public async Task A_queued_study_whose_callers_identity_expired_fails_with_a_clear_error_and_is_not_imported_under_another_account()
    {
        Setup();
        var query = await StoreCohortAsync("EXP", 3);
        using var queued = await Client(Basic(Member, MemberPassword)).PostAsync($"/retrieval/import/CRED_A?encoded_query={query}", null, Ct);
        var (imports, serviceCalls) = (import.Xnat.ImportCalls, import.Xnat.CallsBy(XnatStandIn.Username));

        import.Clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        await RunRoundsAsync();

        Assert.Equal(HttpStatusCode.Accepted, queued.StatusCode);
        var studies = await StudiesAsync("CRED_A", Basic(Member, MemberPassword), query);
        Assert.Equal(3, studies.Count);
        Assert.All(studies, s => Assert.Equal(("failed", ImportQueue.CallerIdentityExpired), (s.GetProperty("status").GetString(), s.GetProperty("last_error").GetString())));
        Assert.Equal((imports, serviceCalls), (import.Xnat.ImportCalls, import.Xnat.CallsBy(XnatStandIn.Username)));

        // Reimported by the user, now with credentials that last, they are imported as that user.
        using var again = await Client(Basic(Member, MemberPassword)).PutAsync($"/retrieval/reimport_imaging_project_studies/CRED_A?encoded_query={query}", null, Ct);
        await RunRoundsAsync();
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        Assert.All(await StudiesAsync("CRED_A", Basic(Member, MemberPassword), query), s => Assert.Equal("successful", s.GetProperty("status").GetString()));
        Assert.Equal(serviceCalls, import.Xnat.CallsBy(XnatStandIn.Username));
    }

    [Fact]
    public async Task After_a_restart_the_studies_whose_callers_credentials_were_lost_fail_with_a_clear_error_once_the_holders_heartbeat_stops()
    {
        Setup();
        var query = await StoreCohortAsync("RST", 3);
        using var queued = await Client(Basic(Member, MemberPassword)).PostAsync($"/retrieval/import/CRED_A?encoded_query={query}", null, Ct);
        var (imports, serviceCalls) = (import.Xnat.ImportCalls, import.Xnat.CallsBy(XnatStandIn.Username));

        // The restart: the replica's memory, and with it the credentials, is gone; nothing renews the heartbeat any more.
        var held = import.Services.GetRequiredService<QueuedCallerIdentities>();
        foreach (var id in held.HeldStudies())
        {
            held.Forget(id);
        }

        var queue = import.Services.GetRequiredService<ImportQueue>();
        Assert.Equal(0, await queue.RunOnceAsync(Ct)); // within the heartbeat, still queued: no other replica takes them
        import.Clock.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        await RunRoundsAsync();

        Assert.Equal(HttpStatusCode.Accepted, queued.StatusCode);
        var studies = await StudiesAsync("CRED_A", Basic(Member, MemberPassword), query);
        Assert.Equal(3, studies.Count);
        Assert.All(studies, s => Assert.Equal(("failed", ImportQueue.CallerIdentityLost), (s.GetProperty("status").GetString(), s.GetProperty("last_error").GetString())));
        Assert.Equal((imports, serviceCalls), (import.Xnat.ImportCalls, import.Xnat.CallsBy(XnatStandIn.Username)));
    }

    [Fact]
    public async Task A_background_import_for_a_user_who_lost_access_fails_with_XNATs_refusal_and_the_service_key_still_imports_as_the_service()
    {
        Setup();
        import.Xnat.AddProject("CRED_C");
        import.Xnat.AddUser("carol", "carol's password", "CRED_C");
        var query = await StoreCohortAsync("REV", 3);
        using var queued = await Client(Basic("carol", "carol's password")).PostAsync($"/retrieval/import/CRED_C?encoded_query={query}", null, Ct);

        import.Xnat.AddUser("carol", "carol's password"); // access withdrawn before the import ran
        await RunRoundsAsync();

        Assert.Equal(HttpStatusCode.Accepted, queued.StatusCode);
        var studies = await StudiesAsync("CRED_C", null, query);
        Assert.All(studies, s =>
        {
            Assert.Equal("failed", s.GetProperty("status").GetString());
            Assert.StartsWith("XNAT refused the user who queued this study (403)", s.GetProperty("last_error").GetString());
        });

        // The service reimports them: they run as the service account now, as it asked.
        using var service = import.CreateServiceClient();
        using var again = await service.PutAsync($"/retrieval/reimport_imaging_project_studies/CRED_C?encoded_query={query}", null, Ct);
        await RunRoundsAsync();
        Assert.All(await StudiesAsync("CRED_C", null, query), s => Assert.Equal(("successful", "service_account"),
            (s.GetProperty("status").GetString(), s.GetProperty("imported_as").GetString())));
    }

    /// <summary>Import rounds, a second of clock apart, until nothing is due (enough for a handful of studies).</summary>
    private async Task RunRoundsAsync()
    {
        var queue = import.Services.GetRequiredService<ImportQueue>();
        for (var round = 0; round < 5; round++)
        {
            await queue.RunOnceAsync(Ct);
            import.Clock.Advance(TimeSpan.FromSeconds(1));
        }
    }

    /// <summary>The studies of the cohort's query (or all of the project's), asked as the user or with the service key.</summary>
    private async Task<List<JsonElement>> StudiesAsync(string project, AuthenticationHeaderValue? user, string? query = null)
    {
        using var client = user is null ? import.CreateServiceClient() : Client(user);
        var page = await client.GetFromJsonAsync<JsonElement>($"/retrieval/studies/{project}?limit=1000", Ct);
        var wanted = query is null ? null : CohortQuery.FromJson(CohortQuery.DecodeBase64Url(query)).AccessionNumbers?.ToHashSet();
        return [.. page.GetProperty("items").EnumerateArray().Where(s => wanted is null || wanted.Contains(s.GetProperty("accession_number").GetString()!))];
    }

    /// <summary>No column of importdb holds the password or the Basic token.</summary>
    private async Task AssertNoCredentialStoredAsync(string user, string password)
    {
        await using var scope = import.Services.CreateAsyncScope();
        var rows = await scope.ServiceProvider.GetRequiredService<ImportDbContext>().Database
            .SqlQueryRaw<string>("""SELECT row_to_json(s)::text AS "Value" FROM study_imports s""").ToListAsync(Ct);
        var token = Basic(user, password).Parameter!;
        Assert.NotEmpty(rows);
        Assert.DoesNotContain(rows, r => r.Contains(password, StringComparison.Ordinal) || r.Contains(token, StringComparison.Ordinal));
    }

    /// <summary>Studies of one instance each in Orthanc; the cohort's encoded query.</summary>
    private async Task<string> StoreCohortAsync(string prefix, int count)
    {
        var accessions = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var accession = $"{prefix}-{Guid.NewGuid():N}"[..16];
            var dataset = DicomImages.SecondaryCapture(new PatientStudy($"{prefix}-PAT-{i}", "Cohort^Patient", DicomUid.Generate(), DateTimeOffset.UnixEpoch, accession),
                new ImageSeries(DicomUid.Generate(), 1, "OT"), 1, ImagePixels.Gray8(new byte[64], 8, 8), DateTimeOffset.UnixEpoch);
            await OrthancPeer.StoreAsync(import.Orthanc.Client, dataset, Ct);
            accessions.Add(accession);
        }

        return new CohortQuery { AccessionNumbers = [.. accessions] }.Encode();
    }

    private void Setup()
    {
        import.Xnat.AddProject("CRED_A");
        import.Xnat.AddUser(Member, MemberPassword, "CRED_A");
        import.Xnat.AddUser(Outsider, "bob's password");
    }

    private HttpClient Client(AuthenticationHeaderValue authorization)
    {
        var client = import.CreateClient();
        client.DefaultRequestHeaders.Authorization = authorization;
        return client;
    }

    private async Task<HttpResponseMessage> SendAsync(string path, string cookie)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("Cookie", cookie);
        return await import.CreateClient().SendAsync(request, Ct);
    }

    private static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

    private static async Task<string?> TitleAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("title").GetString();
}
