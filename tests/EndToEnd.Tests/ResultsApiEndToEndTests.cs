using System.Diagnostics;

namespace EndToEnd.Tests;

/// <summary>ResultsApi as the app host runs it: log in as the development admin, store a DICOM file, fetch byte ranges with curl.</summary>
[Collection(WholeApplicationCollection.Name)]
public sealed class ResultsApiEndToEndTests(WholeApplication whole)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_stored_DICOM_file_is_served_to_curl_with_range_requests()
    {
        using var client = whole.App.CreateHttpClient("resultsapi");
        var password = await whole.App.ParameterAsync("resultsapi-admin-password", Ct);
        using var login = await client.PostAsync("/api/v1/userlogin/login",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["username"] = "admin", ["password"] = password }), Ct);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var token = (await login.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("access_token").GetString()!;
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        var exam = await PostIdAsync(client, "/api/v1/exam/new", new { name = "End to end" });
        var workflow = await PostIdAsync(client, "/api/v1/exam/workflow/new", new { exam_id = exam, name = "W" });
        var task = await PostIdAsync(client, "/api/v1/exam/task/new", new { workflow_id = workflow, name = "T" });
        var result = await PostIdAsync(client, $"/api/v1/exam/result?task_id={task}", null);
        var file = new byte[4096];
        new Random(5).NextBytes(file);
        "DICM"u8.CopyTo(file.AsSpan(128)); // a Part-10 header is what the endpoint looks for
        using (var upload = await client.PutAsync($"/api/v1/exam/result/{result}/files/slice-1.dcm", new ByteArrayContent(file), Ct))
        {
            Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        }

        var url = new Uri(client.BaseAddress!, $"/api/v1/exam/dcm/{workflow}/{task}/{result}/slice-1.dcm").ToString();
        var (headers, body) = Curl(url, token, "--range", "128-131");
        var (_, tail) = Curl(url, token, "--range", "-96");
        var (_, whole_) = Curl(url, token);

        Assert.Contains("HTTP/1.1 206 Partial Content", headers, StringComparison.Ordinal);
        Assert.Contains("Content-Range: bytes 128-131/4096", headers, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Content-Type: application/dicom", headers, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("DICM"u8.ToArray(), body);
        Assert.Equal(file[^96..], tail);
        Assert.Equal(file, whole_);
    }

    private static (string Headers, byte[] Body) Curl(string url, string token, params string[] extra)
    {
        var bodyFile = Path.GetTempFileName();
        var info = new ProcessStartInfo("curl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["-sS", "-D", "-", "-o", bodyFile, "-H", $"Authorization: Bearer {token}", .. extra, url])
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var headers = process.StandardOutput.ReadToEnd();
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, errors);
        var body = File.ReadAllBytes(bodyFile);
        File.Delete(bodyFile);
        return (headers, body);
    }

    private static async Task<Guid> PostIdAsync(HttpClient client, string path, object? body)
    {
        using var response = body is null ? await client.PostAsync(path, null, Ct) : await client.PostAsJsonAsync(path, body, Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
    }
}
