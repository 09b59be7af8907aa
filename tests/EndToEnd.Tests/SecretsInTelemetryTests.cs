using Microsoft.Extensions.DependencyInjection;

namespace EndToEnd.Tests;

/// <summary>
/// No secret reaches a log or a trace: after a run that logs in (rightly and wrongly), makes and uses a source token,
/// follows a signed link and reconstructs a record, every console line of every resource and every log record and span
/// the dashboard received is searched for every secret of the run.
/// </summary>
[Collection(WholeApplicationCollection.Name)]
public sealed class SecretsInTelemetryTests(WholeApplication whole)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task No_password_token_key_or_signature_appears_in_any_log_or_span()
    {
        const string wrongPassword = "a-wrong-password-that-must-not-be-logged";
        var resultsApi = whole.App.CreateHttpClient("resultsapi");
        using (var refused = await resultsApi.PostAsync("/api/v1/userlogin/login",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["username"] = "admin", ["password"] = wrongPassword }), Ct))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        using var admin = await whole.LoginAsync(Ct);
        var accessToken = admin.DefaultRequestHeaders.Authorization!.Parameter!;
        using var created = await admin.PostAsJsonAsync("/api/v1/sources/tokens", new { name = "secret scan" }, Ct);
        var sourceToken = (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("token").GetString()!;
        using (var vendorCall = new HttpRequestMessage(HttpMethod.Get, "/results/1.2.3.4"))
        {
            vendorCall.Headers.TryAddWithoutValidation("Authorization", $"Token {sourceToken}");
            vendorCall.Headers.Add("Source", "default");
            using var answered = await resultsApi.SendAsync(vendorCall, Ct);
            Assert.Equal(HttpStatusCode.NotFound, answered.StatusCode);
        }

        // A signed link's signature in a query string, with the worker's login and calls back along the way.
        var (record, _) = await ReconstructionEndToEndTests.CreateRecordAsync(admin);
        using (var form = new MultipartFormDataContent { { new ByteArrayContent(await File.ReadAllBytesAsync(ReconstructionEndToEndTests.KSpaceFile("1,16,16", "complex64"), Ct)), "file", "kspace.npy" } })
        using (var upload = await admin.PostAsync($"/api/v1/workflow/upload/{record}/", form, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
        }

        using (var signed = await resultsApi.GetAsync("/results/files/00000000-0000-0000-0000-000000000000/1.2.3/x.json?expires=99999999999&signature=0123456789abcdef0123456789abcdef", Ct))
        {
            Assert.Equal(HttpStatusCode.Forbidden, signed.StatusCode);
        }

        for (var attempt = 0; attempt < 300; attempt++)
        {
            var state = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/workflow/record/{record}", Ct);
            if (state.GetProperty("status").GetString() is "FINISHED" or "ERROR")
            {
                break;
            }

            await Task.Delay(200, Ct);
        }

        // Every secret of the run: each secret parameter of the model (server passwords, keys, the admin's and the worker's
        // passwords, as the app host's user secrets keep them) and this test's.
        List<(string Name, string Value)> secrets = [];
        foreach (var parameter in whole.App.Services.GetRequiredService<DistributedApplicationModel>().Resources.OfType<ParameterResource>().Where(p => p.Secret))
        {
            if (await parameter.GetValueAsync(Ct) is { Length: >= 8 } value)
            {
                secrets.Add((parameter.Name, value));
            }
        }

        secrets.AddRange([("wrong password", wrongPassword), ("access token", accessToken), ("source token", sourceToken),
            ("link signature", "0123456789abcdef0123456789abcdef")]);

        var texts = new List<(string Where, string Text)>();
        foreach (var resource in whole.App.Services.GetRequiredService<DistributedApplicationModel>().Resources.Where(r => r is not ParameterResource))
        {
            texts.AddRange((await whole.App.ConsoleLinesAsync(resource.Name, Ct)).Select(l => ($"console of {resource.Name}", l)));
        }

        // The telemetry arrives a moment after the requests; give the exporters their interval. Then every log record and
        // span the dashboard holds, in the OTLP JSON its API (and `aspire otel`) gives: message, attributes, names, events.
        await Task.Delay(TimeSpan.FromSeconds(6), Ct);
        using var dashboard = whole.DashboardApi();
        texts.AddRange((await Dashboard.LogRecordsAsync(dashboard, Ct)).Select(r => ($"a log record of {r.Service}", r.Record.GetRawText())));
        texts.AddRange((await Dashboard.SpansAsync(dashboard, Ct)).Select(s =>
            ($"trace {s.Span.GetProperty("traceId").GetString()}, span '{s.Span.GetProperty("name").GetString()}' of {s.Service}", s.Span.GetRawText())));
        List<string> leaks = [];

        Assert.True(texts.Count(t => t.Where.StartsWith("trace", StringComparison.Ordinal)) > 5, "the dashboard received the run's traces");
        leaks.AddRange((from secret in secrets
                        from text in texts
                        where text.Text.Contains(secret.Value, StringComparison.Ordinal)
                        select $"{secret.Name} in {text.Where}").Distinct());
        Assert.Empty(leaks);
    }
}
