using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Imaging.TestSupport;

namespace AppHost.Tests;

/// <summary>
/// The app host driven by the Aspire CLI (the repository's local tool), as a person or a script does on a fresh clone:
/// `aspire start` in the background, `aspire wait` for the three services, `aspire describe` for every resource's state,
/// an upload reconstructed, `aspire otel traces workflowworker` holding the upload's trace across both services, and
/// `aspire stop` leaving no process of the run.
/// </summary>
public sealed class AspireCliTests
{
    private static readonly string CliHome = Directory.CreateTempSubdirectory("aspire-cli-home-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Start_wait_describe_otel_and_stop_work_against_this_app_host()
    {
        var data = Path.Combine(Path.GetTempPath(), "imaging-tests", $"aspire-cli-{Guid.NewGuid():N}"[..26]);
        var password = Guid.NewGuid().ToString("N");
        string[] settings = [$"--AppHost:DataDirectory={data}", "--AppHost:Servers=Processes", "--AppHost:DemoData=false",
            $"--Parameters:resultsapi-admin-password={password}"];
        try
        {
            // --isolated: random ports and user secrets of its own, so a developer's running app host is left alone.
            var started = await AspireAsync(["start", "--no-build", "--isolated", "--format", "Json"], TimeSpan.FromMinutes(3), settings);
            Assert.True(started.ExitCode == 0, started.Output);
            foreach (var service in new[] { "resultsapi", "workflowworker", "imagingimport" })
            {
                var waited = await AspireAsync(["wait", service, "--timeout", "180"], TimeSpan.FromMinutes(4));
                Assert.True(waited.ExitCode == 0, $"aspire wait {service}: {waited.Output}");
            }

            var described = await AspireAsync(["describe", "--format", "Json"], TimeSpan.FromMinutes(1));
            var resources = JsonDocument.Parse(described.Output).RootElement.GetProperty("resources").EnumerateArray().ToList();
            string State(string name) => resources.Single(r => r.GetProperty("displayName").GetString() == name).GetProperty("state").GetString()!;
            foreach (var name in new[] { "postgres", "resultsdb", "importdb", "redis", "messaging", "resultsapi", "workflowworker", "imagingimport" })
            {
                Assert.Equal("Running", State(name));
            }

            // An upload, reconstructed through the bus: its trace runs ResultsApi → RabbitMQ → WorkflowWorker → ResultsApi.
            var resultsApi = resources.Single(r => r.GetProperty("displayName").GetString() == "resultsapi").GetProperty("urls").EnumerateArray()
                .Select(u => u.GetProperty("url").GetString()!).First(u => u.StartsWith("http://", StringComparison.Ordinal) && !u.Contains("/scalar", StringComparison.Ordinal));
            var traceId = await UploadAsync(new Uri(resultsApi), password);
            JsonElement? spans = null;
            for (var attempt = 0; attempt < 30 && spans is null; attempt++)
            {
                var traces = await AspireAsync(["otel", "traces", "workflowworker", "--trace-id", traceId, "--format", "Json"], TimeSpan.FromMinutes(1));
                if (traces.ExitCode == 0 && traces.Output.Contains("resultsapi", StringComparison.Ordinal) && traces.Output.Contains("workflowworker", StringComparison.Ordinal))
                {
                    spans = JsonDocument.Parse(traces.Output).RootElement;
                }
                else
                {
                    await Task.Delay(1000, Ct);
                }
            }

            Assert.True(spans is not null, "aspire otel traces workflowworker did not show the upload's trace with spans of both services");
        }
        finally
        {
            var stopped = await AspireAsync(["stop"], TimeSpan.FromMinutes(2));
            Assert.True(stopped.ExitCode == 0, stopped.Output);
            Assert.True(await ProcessTable.EventuallyAsync(() => ProcessTable.FindByCommandLine(data).Count == 0, TimeSpan.FromSeconds(60)),
                "left running: " + string.Join('\n', ProcessTable.FindByCommandLine(data).Select(p => p.CommandLine)));
            try
            {
                Directory.Delete(data, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>Logs in, makes a record and uploads a small k-space under a trace of its own; waits until it is reconstructed.</summary>
    private static async Task<string> UploadAsync(Uri resultsApi, string password)
    {
        using var client = new HttpClient { BaseAddress = resultsApi };
        using (var login = await client.PostAsync("/api/v1/userlogin/login",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["username"] = "admin", ["password"] = password }), Ct))
        {
            login.EnsureSuccessStatusCode();
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
                (await login.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("access_token").GetString());
        }

        async Task<string> Create(string path, object body)
        {
            using var created = await client.PostAsJsonAsync(path, body, Ct);
            created.EnsureSuccessStatusCode();
            return (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").ToString();
        }

        var exam = await Create("/api/v1/exam/new", new { name = "CLI" });
        var workflow = await Create("/api/v1/exam/workflow/new", new { exam_id = exam, name = "W" });
        var task = await Create("/api/v1/exam/task/new", new { workflow_id = workflow, name = "T" });
        var record = await Create("/api/v1/workflow/record", new { task_id = task });
        var traceId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        using (var form = new MultipartFormDataContent { { new ByteArrayContent(KSpace()), "file", "kspace.npy" } })
        using (var upload = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/workflow/upload/{record}/") { Content = form })
        {
            upload.Headers.Add("traceparent", $"00-{traceId}-{Convert.ToHexStringLower(BitConverter.GetBytes(Random.Shared.NextInt64()))}-01");
            (await client.SendAsync(upload, Ct)).EnsureSuccessStatusCode();
        }

        for (var attempt = 0; attempt < 300; attempt++)
        {
            var state = await client.GetFromJsonAsync<JsonElement>($"/api/v1/workflow/record/{record}", Ct);
            if (state.GetProperty("status").GetString() == "FINISHED")
            {
                return traceId;
            }

            await Task.Delay(200, Ct);
        }

        throw new TimeoutException($"Record {record} was not reconstructed in a minute.");
    }

    /// <summary>A .npy of complex64 k-space, 1 × 8 × 8, in NumPy's format version 1.0.</summary>
    private static byte[] KSpace()
    {
        var header = "{'descr': '<c8', 'fortran_order': False, 'shape': (1, 8, 8), }";
        header = header.PadRight(128 - 10 - 1) + "\n"; // magic, version and length take 10 bytes; the whole header is 128
        using var buffer = new MemoryStream();
        buffer.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
        buffer.Write(BitConverter.GetBytes((ushort)header.Length));
        buffer.Write(System.Text.Encoding.ASCII.GetBytes(header));
        for (var i = 0; i < 64; i++)
        {
            buffer.Write(BitConverter.GetBytes((float)Math.Cos(i)));
            buffer.Write(BitConverter.GetBytes((float)Math.Sin(i)));
        }

        return buffer.ToArray();
    }

    /// <summary>`dotnet aspire {command} --apphost AppHost/AppHost.csproj [-- {appArguments}]` from the repository root.</summary>
    private static async Task<(int ExitCode, string Output)> AspireAsync(string[] command, TimeSpan patience, string[]? appArguments = null)
    {
        var root = RepositoryRoot();
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])["aspire", .. command, "--apphost", Path.Combine(root, "AppHost", "AppHost.csproj"), "--non-interactive", "--nologo",
            .. appArguments is null ? [] : (string[])["--", .. appArguments]])
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["ASPIRE_CLI_TELEMETRY_OPTOUT"] = "1";
        // A home of its own for the CLI and the app host it starts: the CLI finds running app hosts through sockets under
        // ~/.aspire, and `aspire stop` stops every one it finds there for this project, the app hosts other test
        // assemblies run in their own processes (Aspire.Hosting.Testing) among them. The SDK and packages stay the machine's.
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        info.Environment["HOME"] = CliHome;
        info.Environment["DOTNET_CLI_HOME"] = home;
        info.Environment["NUGET_PACKAGES"] = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } packages ? packages : Path.Combine(home, ".nuget", "packages");
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync(Ct);
        var error = process.StandardError.ReadToEndAsync(Ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(patience);
        await process.WaitForExitAsync(timeout.Token);
        // Standard output alone, so that --format Json parses; the error stream follows it when the command failed.
        return (process.ExitCode, process.ExitCode == 0 ? await output : (await output) + (await error));
    }

    private static string RepositoryRoot()
    {
        var directory = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(directory, "aspire.sln")))
        {
            directory = Path.GetDirectoryName(directory) ?? throw new InvalidOperationException("aspire.sln not found above the test binaries.");
        }

        return directory;
    }
}
