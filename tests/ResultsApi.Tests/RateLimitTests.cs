using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace ResultsApi.Tests;

/// <summary>ResultsApi with small login and token limits, and each request's client address taken from a test header.</summary>
public sealed class RateLimitedApiFactory(TestServers servers) : ResultsApiFactory(servers)
{
    public const string ClientHeader = "X-Test-Client-Address";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("RateLimits:LoginPerClient", "3");
        builder.UseSetting("RateLimits:LoginPerUsername", "2");
        builder.UseSetting("RateLimits:TokensPerUser", "2");
        builder.UseSetting("RateLimits:Window", "00:10:00");
        builder.ConfigureServices(services => services.AddTransient<IStartupFilter, ClientAddressFromHeader>());
    }

    private sealed class ClientAddressFromHeader : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                if (IPAddress.TryParse(context.Request.Headers[ClientHeader].ToString(), out var address))
                {
                    context.Connection.RemoteIpAddress = address;
                }

                return nextMiddleware(context);
            });
            next(app);
        };
    }
}

/// <summary>Login and source token endpoints are rate limited per client, per username and per user, with 429, Retry-After and a problem body.</summary>
public sealed class RateLimitTests(RateLimitedApiFactory api) : IClassFixture<RateLimitedApiFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_client_gets_429_with_retry_after_past_its_login_attempts_and_another_client_does_not()
    {
        // Three attempts (limit 3 per client), each for another username so only the client's limit counts.
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await LoginAsync("10.1.0.1", $"guess-{i}", "wrong")).StatusCode);
        }

        using var refused = await LoginAsync("10.1.0.1", "guess-3", "wrong");
        using var otherClient = await LoginAsync("10.1.0.2", "guess-4", "wrong");

        await AssertTooManyAsync(refused, TimeSpan.FromMinutes(10));
        Assert.Equal(HttpStatusCode.Unauthorized, otherClient.StatusCode);
    }

    [Fact]
    public async Task A_username_gets_429_past_its_login_attempts_from_any_client_and_another_username_does_not()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await LoginAsync("10.2.0.1", "victim", "guess one")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await LoginAsync("10.2.0.2", "victim", "guess two")).StatusCode);

        using var refused = await LoginAsync("10.2.0.3", "victim", "guess three");
        using var otherName = await LoginAsync("10.2.0.3", "bystander", "wrong");

        await AssertTooManyAsync(refused, TimeSpan.FromMinutes(10));
        Assert.Equal(HttpStatusCode.Unauthorized, otherName.StatusCode);
    }

    [Fact]
    public async Task Even_the_right_password_waits_once_the_username_is_limited()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await LoginAsync("10.3.0.1", "other", "wrong")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await LoginAsync("10.3.0.2", "other", "wrong")).StatusCode);

        using var refused = await LoginAsync("10.3.0.3", "other", "other-password");

        await AssertTooManyAsync(refused, TimeSpan.FromMinutes(10));
    }

    [Fact]
    public async Task Source_token_creation_and_revocation_are_limited_per_user()
    {
        using var login = await LoginAsync("10.4.0.1", "admin", ResultsApiFactory.AdminPassword);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var client = api.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            (await login.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("access_token").GetString());

        using var first = await client.PostAsJsonAsync("/api/v1/sources/tokens", new { name = "one" }, Ct);
        var id = (await first.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
        using var revoked = await client.DeleteAsync($"/api/v1/sources/tokens/{id}", Ct);
        using var refused = await client.PostAsJsonAsync("/api/v1/sources/tokens", new { name = "three" }, Ct);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        await AssertTooManyAsync(refused, TimeSpan.FromMinutes(10));
    }

    [Fact]
    public void The_limits_are_validated_at_start()
    {
        // WebApplicationFactory races the failed start: now and then the app has already disposed its services when the
        // factory asks them for the lifetime, and the factory throws ObjectDisposedException instead of the app's own
        // exception. Only that race is tried again; any other outcome fails at once.
        for (var attempt = 1; ; attempt++)
        {
            using var invalid = api.WithWebHostBuilder(builder => builder.UseSetting("RateLimits:LoginPerClient", "0"));
            var failure = Record.Exception(() => invalid.CreateClient());
            if (failure is ObjectDisposedException && attempt < 5)
            {
                continue;
            }

            var validation = Assert.IsType<OptionsValidationException>(failure);
            Assert.Contains("LoginPerClient", validation.Message, StringComparison.Ordinal);
            return;
        }
    }

    private async Task<HttpResponseMessage> LoginAsync(string client, string username, string password)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/userlogin/login")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["username"] = username, ["password"] = password }),
        };
        request.Headers.Add(RateLimitedApiFactory.ClientHeader, client);
        return await api.CreateClient().SendAsync(request, Ct);
    }

    private static async Task AssertTooManyAsync(HttpResponseMessage response, TimeSpan window)
    {
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        var retryAfter = Assert.Single(response.Headers.GetValues("Retry-After"));
        Assert.Matches("^[0-9]+$", retryAfter);
        Assert.InRange(int.Parse(retryAfter, System.Globalization.CultureInfo.InvariantCulture), 1, (int)window.TotalSeconds);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(429, problem.GetProperty("status").GetInt32());
        Assert.Equal("Too many attempts", problem.GetProperty("title").GetString());
        Assert.Contains($"try again in {retryAfter} second", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
