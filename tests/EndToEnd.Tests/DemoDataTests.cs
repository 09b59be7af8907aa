using System.Diagnostics;
using System.Text.RegularExpressions;

namespace EndToEnd.Tests;

/// <summary>
/// The app host's model with the demo data job on (AppHost:DemoData=true) and a data folder of its own, which outlives
/// one application so a test can start the system on it again.
/// </summary>
public sealed class DemoApplication : IAsyncLifetime
{
    public string DataDirectory { get; } = AppHostTesting.NewDataDirectory("demo");

    /// <summary>The run's user secrets, kept across its starts as a developer's are.</summary>
    public string SecretsId { get; } = AppHostTesting.NewSecretsId();

    public AppHostTesting Run { get; private set; } = null!;

    public DistributedApplication App => Run.App;

    /// <summary>The demo job's final state on the latest start.</summary>
    public CustomResourceSnapshot Demo { get; private set; } = null!;

    public async ValueTask InitializeAsync() => await StartAsync();

    /// <summary>Starts the whole model on <see cref="DataDirectory"/> and waits for the demo job to end.</summary>
    public async Task StartAsync()
    {
        Run = await AppHostTesting.StartAsync<Projects.AppHost>([], dataDirectory: DataDirectory, secretsId: SecretsId, demo: true, timeout: TimeSpan.FromMinutes(5));
        Run.KeepData = true;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        Demo = await App.WaitForJobAsync("demo-data", timeout.Token);
    }

    public async Task RestartAsync()
    {
        await Run.DisposeAsync();
        await StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        Run.KeepData = false;
        await Run.DisposeAsync();
    }
}

/// <summary>
/// A newcomer's first run: the demo is made on a fresh data folder, a second start on the same folder makes nothing
/// twice, and docs/walkthrough.md's commands, run exactly as written, give the answers the page shows.
/// </summary>
public sealed class DemoDataTests(DemoApplication demo) : IClassFixture<DemoApplication>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_fresh_data_folder_gets_the_demo_and_a_second_start_duplicates_nothing()
    {
        Assert.Equal(KnownResourceStates.Finished, demo.Demo.State?.Text);
        var marker = Path.Combine(demo.DataDirectory, "demo", "demo-data.json");
        var made = await File.ReadAllTextAsync(marker, Ct);
        var before = await CountsAsync();
        Assert.Equal((1, 5, 5), before);
        // The app host prints the token once, when the job has finished, and the file it came in is gone.
        var notes = await WaitForNotesAsync(l => l.StartsWith("Demo API token", StringComparison.Ordinal));
        Assert.Contains(notes, l => Regex.IsMatch(l, "^Demo API token for source 'demo' \\(shown once, keep it\\): [0-9a-f]{48}$"));
        Assert.Contains(notes, l => l.StartsWith("Demo login: demo / ", StringComparison.Ordinal));
        Assert.False(File.Exists(Path.Combine(demo.DataDirectory, "demo", "api-token")));
        foreach (var file in new[] { "phantom-kspace.npy", "target-before.tif", "target-after.tif" })
        {
            Assert.True(new FileInfo(Path.Combine(demo.DataDirectory, "demo", file)).Length > 0, file);
        }

        Assert.Equal(4, Directory.GetFiles(Path.Combine(demo.DataDirectory, "demo", "walkthrough-series"), "*.dcm").Length);

        await demo.RestartAsync();

        Assert.Equal(KnownResourceStates.Finished, demo.Demo.State?.Text);
        Assert.DoesNotContain(await WaitForNotesAsync(l => l.StartsWith("Demo login", StringComparison.Ordinal)),
            l => l.StartsWith("Demo API token", StringComparison.Ordinal));
        Assert.Contains(await demo.App.ConsoleLinesAsync("demo-data", Ct), l => l.Contains("Demo data already present", StringComparison.Ordinal));
        Assert.Equal(made, await File.ReadAllTextAsync(marker, Ct));
        Assert.Equal(before, await CountsAsync());
    }

    [Fact]
    public async Task The_walkthrough_runs_as_written_and_answers_what_it_shows()
    {
        var steps = WalkthroughSteps(await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Docs", "walkthrough.md"), Ct));
        Assert.True(steps.Count >= 10, $"only {steps.Count} commands found in the walkthrough");
        var script = new StringBuilder();
        for (var i = 0; i < steps.Count; i++)
        {
            script.Append(steps[i].Commands).Append(FormattableString.Invariant($"\necho '@@step {i}@@'\n"));
        }

        var folder = Directory.CreateTempSubdirectory("walkthrough-").FullName;
        try
        {
            var (output, errors) = await RunBashAsync(script.ToString(), folder);
            var answers = Regex.Split(output, @"@@step \d+@@\n");
            Assert.True(answers.Length > steps.Count, $"the walkthrough stopped after {answers.Length - 1} of {steps.Count} steps; stderr:\n{errors}");
            for (var i = 0; i < steps.Count; i++)
            {
                if (steps[i].Answer is { } expected)
                {
                    Assert.True(Matches(expected, answers[i]),
                        $"Step {i}:\n{steps[i].Commands}\n--- the page shows ---\n{expected}\n--- the system answered ---\n{answers[i]}\n--- stderr ---\n{errors}");
                }
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The app host's notes once one of them matches (they follow the job's end by a moment).</summary>
    private async Task<IReadOnlyList<string>> WaitForNotesAsync(Func<string, bool> match)
    {
        for (var attempt = 0; attempt < 100 && !demo.Run.Log.Lines.Any(match); attempt++)
        {
            await Task.Delay(100, Ct);
        }

        return demo.Run.Log.Lines;
    }

    /// <summary>(exams of the demo's patient, studies tracked for the demo cohort, experiments in the XNAT stand-in's project)</summary>
    private async Task<(int Exams, int Studies, int Experiments)> CountsAsync()
    {
        using var api = demo.App.CreateHttpClient("resultsapi");
        using var login = await api.PostAsync("/api/v1/userlogin/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["username"] = "demo",
            ["password"] = await demo.App.ParameterAsync("resultsapi-demo-password", Ct),
        }), Ct);
        login.EnsureSuccessStatusCode();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            (await login.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("access_token").GetString());
        var exams = await api.GetFromJsonAsync<JsonElement>("/api/v1/exam/all?patient_id=DEMO-PHANTOM", Ct);

        using var import = demo.App.CreateHttpClient("imagingimport");
        import.DefaultRequestHeaders.Add("X-Service-Key", await demo.App.ParameterAsync("imagingimport-service-key", Ct));
        var studies = await import.GetFromJsonAsync<JsonElement>("/retrieval/studies/DEMO_COHORT", Ct);

        using var archive = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(demo.DataDirectory, "xnat-standin", "archive.json"), Ct));
        var experiments = archive.RootElement.GetProperty("Experiments").EnumerateArray().Count(e => e.GetProperty("Project").GetString() == "DEMO_COHORT");
        return (exams.GetProperty("total").GetInt32(), studies.GetProperty("total").GetInt32(), experiments);
    }

    private sealed record Step(string Commands, string? Answer);

    /// <summary>Each ```sh block, with the ```json or ```text block that follows it (before the next command) as its answer.</summary>
    private static List<Step> WalkthroughSteps(string markdown)
    {
        var steps = new List<Step>();
        foreach (Match block in Regex.Matches(markdown, @"^```(\w+)\n(.*?)^```$", RegexOptions.Multiline | RegexOptions.Singleline))
        {
            var (language, text) = (block.Groups[1].Value, block.Groups[2].Value);
            if (language == "sh")
            {
                steps.Add(new Step(text, null));
            }
            else if (language is "json" or "text" && steps is [.., { Answer: null } last])
            {
                steps[^1] = last with { Answer = text };
            }
        }

        return steps;
    }

    // The page's answer, with … standing for anything on that stretch; trailing spaces and blank lines at the ends ignored.
    private static bool Matches(string expected, string actual)
    {
        static string Tidy(string text) => string.Join('\n', text.Trim().Split('\n').Select(l => l.TrimEnd()));
        var pattern = string.Join(".*?", Tidy(expected).Split('…').Select(Regex.Escape));
        return Regex.IsMatch(Tidy(actual), $"^{pattern}$", RegexOptions.Singleline);
    }

    private async Task<(string Output, string Errors)> RunBashAsync(string script, string workingDirectory)
    {
        var start = new ProcessStartInfo("bash", ["-c", script])
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // Where this run is: a developer's run has the defaults the page gives (AppHost/.data, ports 5080 and 5090, the app
        // host's own user secrets); a test run has its own.
        start.Environment["DATA"] = demo.DataDirectory;
        start.Environment["RESULTS"] = demo.App.GetEndpoint("resultsapi", "http").ToString().TrimEnd('/');
        start.Environment["IMPORT"] = demo.App.GetEndpoint("imagingimport", "http").ToString().TrimEnd('/');
        start.Environment["SECRETS_ID"] = demo.SecretsId;
        using var bash = Process.Start(start)!;
        var output = bash.StandardOutput.ReadToEndAsync(Ct);
        var errors = bash.StandardError.ReadToEndAsync(Ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromMinutes(4));
        try
        {
            await bash.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            bash.Kill(entireProcessTree: true);
            throw;
        }

        return (await output, await errors);
    }
}
