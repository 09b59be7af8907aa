namespace EndToEnd.Tests;

/// <summary>
/// The app host's model (Program.cs) run through Aspire.Hosting.Testing with Aspire's dashboard, started once and shared
/// by the test classes of <see cref="WholeApplicationCollection"/>, which run one after another and each leave it whole.
/// </summary>
public sealed class WholeApplication : IAsyncLifetime
{
    private readonly SemaphoreSlim _login = new(1, 1);
    private AppHostTesting _run = null!;
    private string? _token;

    public AppHostTesting Run => _run;

    public DistributedApplication App => _run.App;

    public async ValueTask InitializeAsync() => _run = await AppHostTesting.StartAsync<Projects.AppHost>([], dashboard: true);

    public async ValueTask DisposeAsync() => await _run.DisposeAsync();

    /// <summary>A client of ResultsApi logged in as the development admin the app host created.</summary>
    /// <remarks>One login for all the classes that share the application, as a real client keeps its token: logins are rate limited.</remarks>
    public async Task<HttpClient> LoginAsync(CancellationToken cancellationToken)
    {
        await _login.WaitAsync(cancellationToken);
        try
        {
            _token ??= await AdminTokenAsync(App, cancellationToken);
        }
        finally
        {
            _login.Release();
        }

        var client = App.CreateHttpClient("resultsapi");
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        return client;
    }

    /// <summary>A client of the vendor API (seed: series-results-api): a new API token of the default source, made by its admin, with the Source header.</summary>
    public async Task<HttpClient> VendorClientAsync(string tokenName, CancellationToken cancellationToken)
    {
        using var admin = await LoginAsync(cancellationToken);
        return await VendorClientAsync(App, admin, tokenName, cancellationToken);
    }

    /// <summary>A vendor API client of <paramref name="app"/>'s ResultsApi with a new token that <paramref name="admin"/> makes for its source.</summary>
    public static async Task<HttpClient> VendorClientAsync(DistributedApplication app, HttpClient admin, string tokenName, CancellationToken cancellationToken)
    {
        using var created = await admin.PostAsJsonAsync("/api/v1/sources/tokens", new { name = tokenName }, cancellationToken);
        created.EnsureSuccessStatusCode();
        var body = await created.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        var vendor = app.CreateHttpClient("resultsapi");
        vendor.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", $"Token {body.GetProperty("token").GetString()}");
        vendor.DefaultRequestHeaders.Add("Source", body.GetProperty("source").GetString());
        return vendor;
    }

    /// <summary>A client of the dashboard's telemetry API (/api/telemetry/…), with the run's API key.</summary>
    public HttpClient DashboardApi() => Dashboard.Client(_run);

    /// <summary>An access token of the development admin the app host created in <paramref name="app"/>'s ResultsApi.</summary>
    public static async Task<string> AdminTokenAsync(DistributedApplication app, CancellationToken cancellationToken)
    {
        using var client = app.CreateHttpClient("resultsapi");
        var password = await app.ParameterAsync("resultsapi-admin-password", cancellationToken);
        using var login = await client.PostAsync("/api/v1/userlogin/login",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["username"] = "admin", ["password"] = password }), cancellationToken);
        login.EnsureSuccessStatusCode();
        return (await login.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("access_token").GetString()!;
    }
}

[CollectionDefinition(Name)]
public sealed class WholeApplicationCollection : ICollectionFixture<WholeApplication>
{
    public const string Name = "whole application";
}

/// <summary>Aspire's dashboard telemetry API, as `aspire otel` reads it: spans and logs in OTLP JSON.</summary>
public static class Dashboard
{
    public static HttpClient Client(AppHostTesting run)
    {
        var client = new HttpClient { BaseAddress = run.DashboardUrl ?? throw new InvalidOperationException("This run has no dashboard.") };
        client.DefaultRequestHeaders.Add("x-api-key", AppHostTesting.DashboardApiKey);
        return client;
    }

    /// <summary>Every span the dashboard holds (of <paramref name="resource"/>, or all), with the service that sent it.</summary>
    public static Task<IReadOnlyList<(string Service, JsonElement Span)>> SpansAsync(HttpClient dashboard, CancellationToken cancellationToken, string? resource = null) =>
        ReadAsync(dashboard, "spans", resource, "resourceSpans", "scopeSpans", "spans", cancellationToken);

    /// <summary>Every log record the dashboard holds, with the service that sent it.</summary>
    public static Task<IReadOnlyList<(string Service, JsonElement Record)>> LogRecordsAsync(HttpClient dashboard, CancellationToken cancellationToken) =>
        ReadAsync(dashboard, "logs", null, "resourceLogs", "scopeLogs", "logRecords", cancellationToken);

    /// <summary>An OTLP span's kind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer (0 when not given).</summary>
    public static int Kind(JsonElement span) => span.TryGetProperty("kind", out var kind) && kind.ValueKind == JsonValueKind.Number ? kind.GetInt32() : 0;

    /// <summary>An attribute of an OTLP span or log record as text, whatever its value's type; null when absent.</summary>
    public static string? Attribute(JsonElement item, string key) =>
        item.TryGetProperty("attributes", out var attributes) && attributes.ValueKind == JsonValueKind.Array
            && attributes.EnumerateArray().FirstOrDefault(a => a.GetProperty("key").GetString() == key) is { ValueKind: JsonValueKind.Object } found
            && found.TryGetProperty("value", out var value) && value.EnumerateObject().FirstOrDefault() is { Value.ValueKind: not JsonValueKind.Undefined } typed
            ? typed.Value.ValueKind == JsonValueKind.String ? typed.Value.GetString() : typed.Value.GetRawText().Trim('"')
            : null;

    // {"data": {"resourceSpans": [{"resource": {"attributes": [...]}, "scopeSpans": [{"spans": [...]}]}]}, "totalCount": …}
    private static async Task<IReadOnlyList<(string, JsonElement)>> ReadAsync(HttpClient dashboard, string kind, string? resource,
        string resources, string scopes, string items, CancellationToken cancellationToken)
    {
        var query = $"/api/telemetry/{kind}?limit=1000000" + (resource is null ? "" : $"&resource={Uri.EscapeDataString(resource)}");
        using var response = await dashboard.GetAsync(query, cancellationToken);
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return [];
        }

        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        List<(string, JsonElement)> found = [];
        if (!body.TryGetProperty("data", out var data) || !data.TryGetProperty(resources, out var resourceItems) || resourceItems.ValueKind != JsonValueKind.Array)
        {
            return found;
        }

        foreach (var resourceItem in resourceItems.EnumerateArray())
        {
            var service = resourceItem.GetProperty("resource").GetProperty("attributes").EnumerateArray()
                .Where(a => a.GetProperty("key").GetString() == "service.name")
                .Select(a => a.GetProperty("value").GetProperty("stringValue").GetString() ?? "").FirstOrDefault() ?? "";
            foreach (var scope in resourceItem.GetProperty(scopes).EnumerateArray())
            {
                found.AddRange(scope.GetProperty(items).EnumerateArray().Select(item => (service, item)));
            }
        }

        return found;
    }
}
