using Imaging.ResultsApi.Auth;
using Imaging.TestSupport.Http;
using Microsoft.Extensions.Options;

namespace ResultsApi.Tests;

/// <summary>
/// Every endpoint the host maps, read from its EndpointDataSource, against every kind of caller who must not get in:
/// none, malformed, expired and revoked credentials (401), another source's user (403 or 404, never the data) and a
/// role the endpoint does not admit (403). The endpoints open by design are listed here with the reason; any other
/// endpoint without an authorization policy fails the test, so a new endpoint cannot be left open by accident.
/// </summary>
public sealed partial class AuthorizationMatrixTests(ResultsApiFactory api) : IClassFixture<ResultsApiFactory>
{
    /// <summary>"METHOD pattern" (method * for any) of every endpoint that has no authorization policy on purpose.</summary>
    private static readonly Dictionary<string, string> AnonymousByDesign = new(ServiceDefaultsEndpoints.OpenByDesign)
    {
        ["POST /api/v1/userlogin/login"] = "how a user gets a token; rate limited per client and per username",
        [$"POST {VendorUpload}"] = "vendor API: 'Authorization: Token <source token>' and the Source header, checked in the handler",
        [$"GET {VendorResults}"] = "vendor API: 'Authorization: Token <source token>' and the Source header, checked in the handler",
        [$"GET {VendorCompute}"] = "vendor API: 'Authorization: Token <source token>' and the Source header, checked in the handler",
        [$"GET {SignedFile}"] = "the signed link (HMAC of path and expiry) is the permission, checked in the handler",
    };

    /// <summary>Endpoints that answer another source's item as an unknown one with 200 and an empty list, with the reason.</summary>
    private static readonly Dictionary<string, string> EmptyForOthers = new()
    {
        ["GET /api/v1/exam/result/all/{task_id}"] = "the seed lists an unknown task's results as []; another source's task is answered the same",
    };

    private const string VendorUpload = "/studies";
    private const string VendorResults = "/results/{series}";
    private const string VendorCompute = "/compute/{series}";
    private const string SignedFile = "/results/files/{source_id}/{series}/{filename}";
    private const string VendorUnauthorized = "{\"message\":\"Invalid token header. No credentials provided.\",\"next\":\"/accounts/login/\",\"authenticated\":false}";
    private const string VendorDenied = "{\"success\":false,\"message\":\"Access denied!\"}";
    private const string MedicalUser = "medical-user";
    private const string MedicalPassword = "medical user password";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void The_endpoints_without_an_authorization_policy_are_exactly_the_ones_open_by_design()
    {
        var anonymous = Endpoints().Where(e => !e.Protected).Select(e => e.Key).Order(StringComparer.Ordinal).ToList();

        Assert.True(AnonymousByDesign.Keys.Order(StringComparer.Ordinal).SequenceEqual(anonymous), "Open endpoints:\n" + string.Join("\n", anonymous));
        Assert.All(AnonymousByDesign.Values, reason => Assert.False(string.IsNullOrWhiteSpace(reason)));
        // The matrix below is only as good as the endpoint list it reads.
        Assert.True(Endpoints().Count(e => e.Protected) > 50, "The endpoint data source lists fewer protected endpoints than the service maps.");
    }

    [Fact]
    public async Task Without_credentials_every_protected_endpoint_answers_401()
    {
        var ids = await CreateOwnedDataAsync();

        var failures = await RunAsync(ProtectedEndpoints(), ids, api.CreateClient(), expect: status => status == HttpStatusCode.Unauthorized);

        AssertNone(failures);
    }

    [Theory]
    [InlineData("Bearer !!!")]
    [InlineData("Bearer ")]
    [InlineData("Basic xyz")]
    [InlineData("Basic YWRtaW46Y29ycmVjdCBob3JzZSBiYXR0ZXJ5IHN0YXBsZQ==")] // admin and the right password: Basic is not a scheme here
    [InlineData("Token 0123456789abcdef0123456789abcdef0123456789abcdef")]
    [InlineData("Bearer AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("Bearer AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public async Task Malformed_or_unknown_credentials_get_401_everywhere(string authorization)
    {
        var ids = await CreateOwnedDataAsync();
        var client = api.CreateClient();
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", authorization);

        var failures = await RunAsync(ProtectedEndpoints(), ids, client, expect: status => status == HttpStatusCode.Unauthorized);

        AssertNone(failures);
    }

    [Fact]
    public async Task A_token_idle_past_the_idle_timeout_gets_401_everywhere_even_while_its_validation_is_cached()
    {
        var ids = await CreateOwnedDataAsync();
        var options = api.Services.GetRequiredService<IOptions<AuthOptions>>().Value;
        var client = await api.LoginAsync();
        // The validation is now cached (for TokenService.ValidationCacheTime of real time): expiry must still be judged.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/exam/all", Ct)).StatusCode);

        api.Clock.Advance(options.IdleTimeout + TimeSpan.FromSeconds(1));
        var failures = await RunAsync(ProtectedEndpoints(), ids, client, expect: status => status == HttpStatusCode.Unauthorized);

        AssertNone(failures);
    }

    [Fact]
    public async Task A_token_used_all_along_gets_401_everywhere_past_the_absolute_timeout()
    {
        var ids = await CreateOwnedDataAsync();
        var options = api.Services.GetRequiredService<IOptions<AuthOptions>>().Value;
        var client = await api.LoginAsync();
        var step = options.IdleTimeout / 2;
        var used = TimeSpan.Zero;
        for (; used + step < options.AbsoluteTimeout; used += step)
        {
            api.Clock.Advance(step);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/exam/all", Ct)).StatusCode);
        }

        api.Clock.Advance(options.AbsoluteTimeout - used);
        var failures = await RunAsync(ProtectedEndpoints(), ids, client, expect: status => status == HttpStatusCode.Unauthorized);

        AssertNone(failures);
    }

    [Fact]
    public async Task A_logged_out_token_gets_401_everywhere()
    {
        var ids = await CreateOwnedDataAsync();
        var client = await api.LoginAsync();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/exam/all", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsync("/api/v1/userlogin/logout", null, Ct)).StatusCode);

        var failures = await RunAsync(ProtectedEndpoints(), ids, client, expect: status => status == HttpStatusCode.Unauthorized);

        AssertNone(failures);
    }

    [Fact]
    public async Task Another_sources_user_gets_403_or_404_for_this_sources_items_and_never_their_data()
    {
        var ids = await CreateOwnedDataAsync();
        var other = await api.LoginAsync("other", "other-password");

        bool DicomWeb(Endpoint e) => e.Pattern.StartsWith("/dicom-web/", StringComparison.Ordinal);
        bool Addressing(Endpoint e) => e.Parameters.Count > 0 || AddressesAParent(e);
        // Lists and creations of its own (first, before this user has stored anything under this source's UIDs): whatever
        // they answer, none of this source's identifiers.
        // Logout (it ends this user's own token) comes last.
        bool Logout(Endpoint e) => e.Key == "POST /api/v1/userlogin/logout";
        string? Shows(string text, IEnumerable<string> secret) => secret.FirstOrDefault(id => text.Contains(id, StringComparison.OrdinalIgnoreCase)) is { } leaked ? $"shows {leaked}" : null;
        var leaks = await RunAsync(ProtectedEndpoints().Where(e => !Addressing(e) && !Logout(e)), ids, other, expect: _ => true, body: text => Shows(text, ids.All));
        // Addressing one of this source's existing items (in the path or, for creations, as the parent in the query or
        // body): refused, with no identifier of this source in the answer, and nothing changed, stored or queued.
        var before = await SnapshotAsync();
        var addressed = await RunAsync(ProtectedEndpoints().Where(e => Addressing(e) && !DicomWeb(e) && !EmptyForOthers.ContainsKey(e.Key)), ids, other,
            expect: status => status is HttpStatusCode.Forbidden or HttpStatusCode.NotFound, body: text => Shows(text, ids.All), anyStatus: true);
        addressed.AddRange(await RunAsync(ProtectedEndpoints().Where(e => EmptyForOthers.ContainsKey(e.Key)), ids, other,
            expect: status => status == HttpStatusCode.OK, body: text => text == "[]" ? null : "is not []"));
        var after = await SnapshotAsync();
        // DICOM UIDs are not owned: each source has its own namespace (a STOW to the same study UID stores into the caller's
        // own source). Whatever DICOMweb answers, it shows none of this source's instances or series.
        var dicomWeb = await RunAsync(ProtectedEndpoints().Where(e => Addressing(e) && DicomWeb(e)), ids, other,
            expect: _ => true, body: text => Shows(text, ids.All.Except([ids.Study])));
        leaks.AddRange(await RunAsync(ProtectedEndpoints().Where(Logout), ids, other, expect: _ => true, body: text => Shows(text, ids.All)));

        AssertNone(addressed);
        Assert.Equal(before, after);
        AssertNone(dicomWeb);
        AssertNone(leaks);
    }

    [Fact]
    public async Task A_role_the_endpoint_does_not_admit_gets_403()
    {
        var ids = await CreateOwnedDataAsync();
        await CreateMedicalUserAsync();
        var callers = new Dictionary<string, HttpClient>
        {
            [Roles.Medical] = await api.LoginAsync(MedicalUser, MedicalPassword),
            [Roles.Admin] = await api.LoginAsync(),
            [Roles.Service] = await api.LoginAsync("workflow-worker", ResultsApiFactory.WorkerPassword),
        };
        var restricted = ProtectedEndpoints().Where(e => e.AllowedRoles is not null).ToList();
        // Source tokens are for admins only, the worker's endpoints for the service account only.
        Assert.Contains(restricted, e => e.Key == "POST /api/v1/sources/tokens/" && e.AllowedRoles!.SetEquals([Roles.Admin]));
        Assert.Contains(restricted, e => e.Key.StartsWith("POST /api/v1/workflow/record/", StringComparison.Ordinal) && e.AllowedRoles!.SetEquals([Roles.Service]));

        List<string> failures = [];
        foreach (var (role, client) in callers)
        {
            failures.AddRange((await RunAsync(restricted.Where(e => !e.AllowedRoles!.Contains(role)), ids, client, expect: status => status == HttpStatusCode.Forbidden))
                .Select(failure => $"as {role}: {failure}"));
        }

        AssertNone(failures);
    }

    [Fact]
    public async Task The_vendor_endpoints_refuse_missing_malformed_revoked_and_other_sources_tokens_with_the_seeds_bodies()
    {
        var ids = await CreateOwnedDataAsync();
        var admin = await api.LoginAsync();
        var (revoked, revokedId) = await CreateSourceTokenAsync(admin);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/sources/tokens/{revokedId}", Ct)).StatusCode);
        var otherToken = await CreateOtherSourceTokenAsync();
        var bearer = admin.DefaultRequestHeaders.Authorization!.ToString();
        var keys = Endpoints().Select(e => e.Key).ToList();
        Assert.Contains($"POST {VendorUpload}", keys);
        Assert.Contains($"GET {VendorResults}", keys);
        Assert.Contains($"GET {VendorCompute}", keys);
        var vendor = new[] { $"POST {VendorUpload}", $"GET {VendorResults.Replace("{series}", ids.Series, StringComparison.Ordinal)}",
            $"GET {VendorCompute.Replace("{series}", ids.Series, StringComparison.Ordinal)}" };

        List<string> failures = [];
        foreach (var endpoint in vendor)
        {
            // No or a wrong token: 401 with the seed's body.
            foreach (var authorization in new[] { null, "Token", "Token !!!", "Token " + new string('0', 48), "Token " + revoked, bearer, "Basic YWRtaW46eA==", "token " + ids.SourceToken })
            {
                await ExpectAsync(endpoint, authorization, "default", HttpStatusCode.Unauthorized, VendorUnauthorized);
            }

            // A valid token with no Source header, another source's name, or used by another source: 403 with the seed's body.
            await ExpectAsync(endpoint, "Token " + ids.SourceToken, null, HttpStatusCode.Forbidden, VendorDenied);
            await ExpectAsync(endpoint, "Token " + ids.SourceToken, "other-hospital", HttpStatusCode.Forbidden, VendorDenied);
            await ExpectAsync(endpoint, "Token " + otherToken, "default", HttpStatusCode.Forbidden, VendorDenied);
            if (!endpoint.StartsWith("POST", StringComparison.Ordinal))
            {
                // Another source's own, valid token on this source's series: the seed's 404, as for a series never uploaded,
                // so the answer does not reveal that the series exists; nothing is queued.
                var before = await SnapshotAsync();
                await ExpectAsync(endpoint, "Token " + otherToken, "other-hospital", HttpStatusCode.NotFound,
                    $"{{\"success\":false,\"message\":\"Resource with sopInstanceUID {ids.Series} is not yet uploaded!\"}}");
                if (await SnapshotAsync() != before)
                {
                    failures.Add($"{endpoint} with another source's token changed the database or the storage");
                }
            }
        }

        AssertNone(failures);

        async Task ExpectAsync(string endpoint, string? authorization, string? source, HttpStatusCode status, string body)
        {
            var (method, path) = (endpoint.Split(' ')[0], endpoint.Split(' ')[1]);
            using var request = new HttpRequestMessage(new HttpMethod(method), path);
            if (authorization is not null)
            {
                request.Headers.TryAddWithoutValidation("Authorization", authorization);
            }

            if (source is not null)
            {
                request.Headers.Add("Source", source);
            }

            using var response = await api.CreateClient().SendAsync(request, Ct);
            var text = await response.Content.ReadAsStringAsync(Ct);
            if (response.StatusCode != status || text != body)
            {
                failures.Add($"{endpoint} with '{authorization}' and Source '{source}': {(int)response.StatusCode} {text}");
            }
        }
    }

    [Fact]
    public async Task The_signed_file_link_needs_its_signature_and_no_credential_stands_in_for_it()
    {
        var ids = await CreateOwnedDataAsync();
        var admin = await api.LoginAsync();
        var folder = Path.Combine(api.StorageRoot, "analysis", ids.Source, ids.Series);
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "report.json"), "{}", Ct);
        var path = $"/results/files/{ids.Source}/{ids.Series}/report.json";

        using var anonymous = await api.CreateClient().GetAsync(path, Ct);
        using var withBearer = await admin.GetAsync(path, Ct);
        using var withToken = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { { "Authorization", "Token " + ids.SourceToken }, { "Source", "default" } } };
        using var withSourceToken = await api.CreateClient().SendAsync(withToken, Ct);
        var signed = api.Services.GetRequiredService<SignedLinks>().Sign(path);
        using var control = await api.CreateClient().GetAsync(signed, Ct);

        Assert.Equal(HttpStatusCode.Forbidden, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, withBearer.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, withSourceToken.StatusCode);
        Assert.Equal(VendorDenied, await withBearer.Content.ReadAsStringAsync(Ct));
        Assert.Equal(HttpStatusCode.OK, control.StatusCode);
    }

    [Fact]
    public async Task The_owner_reaches_the_items_the_matrix_addresses()
    {
        // The refusals above mean something only if the ids in their requests are real: the owner gets these.
        var ids = await CreateOwnedDataAsync();
        var admin = await api.LoginAsync();

        foreach (var path in new[]
        {
            $"/api/v1/exam/{ids.Exam}", $"/api/v1/exam/workflow/{ids.Workflow}", $"/api/v1/exam/task/{ids.Task}", $"/api/v1/exam/result/{ids.Result}",
            $"/api/v1/workflow/{ids.Definition}", $"/api/v1/workflow/record/{ids.Record}", $"/dicom-web/studies/{ids.Study}/series/{ids.Series}/instances/{ids.Sop}/metadata",
            $"/api/sessions/{ids.Session}",
        })
        {
            using var response = await admin.GetAsync(path, Ct);
            Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode}");
        }
    }
}
