namespace ResultsApi.Tests;

public sealed class AuthenticationTests(ResultsApiFactory api) : IClassFixture<ResultsApiFactory>
{
    [Fact]
    public async Task Without_a_token_every_endpoint_answers_401_with_a_bearer_challenge()
    {
        var client = api.CreateClient();

        foreach (var path in new[] { "/api/v1/exam/all", $"/api/v1/exam/result/{Guid.NewGuid()}", $"/api/v1/exam/dcm/{Guid.NewGuid()}/{Guid.NewGuid()}/{Guid.NewGuid()}/a.dcm" })
        {
            using var response = await client.GetAsync(path, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("Bearer", response.Headers.WwwAuthenticate.ToString());
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    [Fact]
    public async Task A_wrong_password_and_an_unknown_user_get_the_same_401()
    {
        var client = api.CreateClient();
        foreach (var (user, password) in new[] { ("admin", "wrong"), ("nobody", "wrong") })
        {
            using var response = await client.PostAsync("/api/v1/userlogin/login",
                new FormUrlEncodedContent(new Dictionary<string, string> { ["username"] = user, ["password"] = password }), TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
            Assert.Equal("The username or the password is wrong; check both and try again.", problem.GetProperty("detail").GetString());
        }
    }

    [Fact]
    public async Task A_token_works_until_an_hour_idle_and_never_past_eleven_hours()
    {
        var client = await api.LoginAsync();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/exam/all", TestContext.Current.CancellationToken)).StatusCode);

        // Used every 50 minutes, it lives until eleven hours after login.
        for (var i = 0; i < 13; i++)
        {
            api.Clock.Advance(TimeSpan.FromMinutes(50));
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/exam/all", TestContext.Current.CancellationToken)).StatusCode);
        }

        api.Clock.Advance(TimeSpan.FromMinutes(50));
        using var expired = await client.GetAsync("/api/v1/exam/all", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);
        Assert.Equal("Bearer error=\"invalid_token\"", expired.Headers.WwwAuthenticate.ToString());

        var idle = await api.LoginAsync();
        api.Clock.Advance(TimeSpan.FromMinutes(61));
        Assert.Equal(HttpStatusCode.Unauthorized, (await idle.GetAsync("/api/v1/exam/all", TestContext.Current.CancellationToken)).StatusCode);
    }

    [Theory]
    [InlineData("Bearer not-a-token")]
    [InlineData("Bearer ")]
    [InlineData("Basic YWRtaW46eA==")]
    [InlineData("Bearer AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public async Task Malformed_or_unknown_tokens_get_401(string header)
    {
        var client = api.CreateClient();
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", header);

        using var response = await client.GetAsync("/api/v1/exam/all", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Logging_out_revokes_the_token()
    {
        var client = await api.LoginAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsync("/api/v1/userlogin/logout", null, TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/exam/all", TestContext.Current.CancellationToken)).StatusCode);
    }
}
