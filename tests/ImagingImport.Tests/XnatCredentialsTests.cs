using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Imaging.ImagingImport.Cohort;
using Imaging.StandIns;

namespace ImagingImport.Tests;

/// <summary>
/// The seed's XNATAuthHeaders: a caller without the service key sends its own XNAT credentials (HTTP Basic, or an XNAT
/// session as Cookie: JSESSIONID), the request's XNAT calls run as that user, and XNAT's project permissions decide:
/// XNAT's 401 is a 401 here, its 403 a 403. The service key still works for service callers.
/// </summary>
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
