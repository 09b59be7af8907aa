using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Imaging.Contracts.QualityTargets;
using Imaging.DemoData.Generated;
using Imaging.WorkflowWorker.QualityAnalysis.Images;
using Imaging.WorkflowWorker.QualityAnalysis.Targets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Imaging.DemoData;

/// <summary>
/// Makes the demo through the public APIs, as a person would: the demo source's API token; an exam → workflow → task
/// with a phantom k-space record, reconstructed; an MR series uploaded and analysed; a quality session; a cohort imported
/// from the PACS into XNAT. Then it writes the marker (demo-data.json), so the next start only says the demo is there.
/// </summary>
public sealed class DemoRun(IHttpClientFactory clients, IOptions<DemoOptions> options, IConfiguration configuration, TimeProvider time)
{
    public const string ResultsApi = "resultsapi";
    public const string ImagingImport = "imagingimport";
    public const string MarkerFile = "demo-data.json";
    public const string TokenFile = "api-token";
    public const string ExamName = "Demo: phantom reconstruction";
    public const string QualityTargetId = "basic-reflective";
    private const int Steps = 6;

    private readonly DemoOptions _options = options.Value;

    public async Task<int> RunAsync(TextWriter output, CancellationToken cancellationToken)
    {
        var marker = Path.Combine(_options.OutputDirectory, MarkerFile);
        if (File.Exists(marker))
        {
            await output.WriteLineAsync($"Demo data already present (see {marker}); nothing to do. Delete that file to make it again.");
            return 0;
        }

        Directory.CreateDirectory(_options.OutputDirectory);
        var clock = Stopwatch.StartNew();
        var created = new Dictionary<string, object?>();

        using var api = clients.CreateClient(ResultsApi);
        var (accessToken, source) = await LogInAsync(api, cancellationToken);
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        var vendorToken = await CreateApiTokenAsync(api, cancellationToken);
        created["source"] = source;
        await Step(output, 1, $"user {_options.Username} logged in (source {source}); API token '{vendorToken.Name}' created, handed to the app host to print once");

        created["record"] = await ReconstructionAsync(api, output, cancellationToken);
        created["series"] = await SeriesAnalysisAsync(vendorToken, output, cancellationToken);
        created["quality_session"] = await QualitySessionAsync(api, output, cancellationToken);
        created["import_project"] = await CohortImportAsync(output, cancellationToken);
        await WalkthroughFilesAsync(output, cancellationToken);

        created["created_at"] = time.GetUtcNow();
        await File.WriteAllTextAsync(marker, JsonSerializer.Serialize(created, Json), cancellationToken);
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"Demo data ready in {clock.Elapsed.TotalSeconds:0.0} s; what was made: {marker}"));
        return 0;
    }

    private async Task<(string AccessToken, string Source)> LogInAsync(HttpClient api, CancellationToken cancellationToken)
    {
        using var login = await api.PostAsync("/api/v1/userlogin/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["username"] = _options.Username,
            ["password"] = _options.Password,
        }), cancellationToken);
        var body = await Expect(login, HttpStatusCode.OK, "logging in as the demo user", cancellationToken);
        return (body.GetProperty("access_token").GetString()!, body.TryGetProperty("source", out var s) ? s.ToString() : "demo");
    }

    private async Task<VendorToken> CreateApiTokenAsync(HttpClient api, CancellationToken cancellationToken)
    {
        using var response = await api.PostAsJsonAsync("/api/v1/sources/tokens", new { name = "demo" }, cancellationToken);
        var body = await Expect(response, HttpStatusCode.Created, "creating the demo source's API token", cancellationToken);
        var token = new VendorToken(body.GetProperty("name").GetString()!, body.GetProperty("source").GetString()!, body.GetProperty("token").GetString()!);
        // Handed to the app host through a file only the owner can read; it prints the token and deletes the file.
        var path = Path.Combine(_options.OutputDirectory, TokenFile);
        var file = new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
        };
        if (!OperatingSystem.IsWindows())
        {
            file.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        await using (var writer = new StreamWriter(path, Encoding.UTF8, file))
        {
            await writer.WriteAsync($"{token.Source}\n{token.Token}\n");
        }
        return token;
    }

    private async Task<int> ReconstructionAsync(HttpClient api, TextWriter output, CancellationToken cancellationToken)
    {
        var exam = await PostForIdAsync(api, "/api/v1/exam/new", new { name = ExamName, patient_id = "DEMO-PHANTOM", description = "Made by the demo data job" }, cancellationToken);
        var workflow = await PostForIdAsync(api, "/api/v1/exam/workflow/new", new { exam_id = exam, name = "Cartesian reconstruction" }, cancellationToken);
        var task = await PostForIdAsync(api, "/api/v1/exam/task/new", new { workflow_id = workflow, name = "Phantom, 4 slices" }, cancellationToken);
        var record = (await PostForBodyAsync(api, "/api/v1/workflow/record", new { task_id = task }, "creating the raw-data record", cancellationToken)).GetProperty("id").GetInt32();

        const int slices = 4, size = 128;
        using var form = new MultipartFormDataContent { { new ByteArrayContent(PhantomKSpace.Npy(slices, size, size)), "file", "phantom-kspace.npy" } };
        using (var upload = await api.PostAsync($"/api/v1/workflow/upload/{record}/", form, cancellationToken))
        {
            await Expect(upload, HttpStatusCode.OK, "uploading the phantom k-space", cancellationToken);
        }

        await Step(output, 2, $"exam '{ExamName}' → workflow → task {task}; record {record}: k-space {PhantomKSpace.Shape(slices, size, size)} uploaded, reconstructing");
        var last = "";
        var state = await PollAsync(async () =>
        {
            var now = await api.GetFromJsonAsync<JsonElement>($"/api/v1/workflow/record/{record}", cancellationToken);
            var status = now.GetProperty("status").GetString()!;
            var progress = now.TryGetProperty("progress", out var p) && p.ValueKind == JsonValueKind.Number ? $" {p.GetInt32()} %" : "";
            if (status + progress != last)
            {
                last = status + progress;
                await output.WriteLineAsync($"      record {record}: {status}{progress}");
            }

            return status is "FINISHED" or "ERROR" ? now : (JsonElement?)null;
        }, $"record {record}'s reconstruction", cancellationToken);
        if (state.GetProperty("status").GetString() != "FINISHED")
        {
            throw new DemoStepFailedException($"record {record}'s reconstruction ended {state.GetProperty("status")}: {state.GetProperty("status_message")}. See workflowworker's console log.");
        }

        await output.WriteLineAsync($"      its DICOM: GET /api/v1/workflow/download/{record}/");
        return record;
    }

    private async Task<string> SeriesAnalysisAsync(VendorToken token, TextWriter output, CancellationToken cancellationToken)
    {
        using var vendor = clients.CreateClient(ResultsApi);
        vendor.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", $"Token {token.Token}");
        vendor.DefaultRequestHeaders.Add("Source", token.Source);
        var files = DemoSeries.Mr("analysis", "DEMO-ANALYSIS", null, slices: 8, size: 64, time.GetUtcNow());
        var series = DemoSeries.SeriesUid("analysis");
        using (var form = new MultipartFormDataContent())
        {
            for (var i = 0; i < files.Count; i++)
            {
                form.Add(new ByteArrayContent(files[i].Part10), $"file_{i}", files[i].FileName);
            }

            using var upload = await vendor.PostAsync("/studies", form, cancellationToken);
            await Expect(upload, HttpStatusCode.OK, "uploading the demo MR series to /studies", cancellationToken);
        }

        await Step(output, 3, $"MR series {series} ({files.Count} instances) uploaded to /studies; analysing");
        using (var compute = await vendor.GetAsync($"/compute/{series}", cancellationToken))
        {
            await output.WriteLineAsync($"      GET /compute/{series}: {(int)compute.StatusCode}");
        }

        var result = await PollAsync(async () =>
        {
            using var response = await vendor.GetAsync($"/results/{series}", cancellationToken);
            return response.StatusCode is HttpStatusCode.OK or HttpStatusCode.BadRequest
                ? ((int)response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken))
                : ((int, string)?)null;
        }, $"series {series}'s analysis", cancellationToken);
        if (result.Item1 != 200)
        {
            throw new DemoStepFailedException($"series {series}'s analysis answered {result.Item1}: {result.Item2}");
        }

        await output.WriteLineAsync($"      GET /results/{series}: 200, analysed");
        return series;
    }

    private async Task<Guid> QualitySessionAsync(HttpClient api, TextWriter output, CancellationToken cancellationToken)
    {
        var target = QualityTargetCatalogue.Find(QualityTargetId)!;
        var (before, after) = TargetImages(target);
        using var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(before), "before_target", "target-before.tif" },
            { new ByteArrayContent(after), "after_target", "target-after.tif" },
        };
        var session = (await PostForBodyAsync(api, $"/api/analyze/device?target={QualityTargetId}", form, "starting the quality session", cancellationToken))
            .GetProperty("session_id").GetGuid();
        await Step(output, 4, $"quality session {session} on a rendered {QualityTargetId} target; measuring");
        var state = await PollAsync(async () =>
        {
            var now = await api.GetFromJsonAsync<JsonElement>($"/api/sessions/{session}", cancellationToken);
            return now.GetProperty("state").GetString() is "finished" or "failed" ? now : (JsonElement?)null;
        }, $"quality session {session}", cancellationToken);
        if (state.GetProperty("state").GetString() != "finished")
        {
            throw new DemoStepFailedException($"quality session {session} failed: {state.GetProperty("reason")}. See workflowworker's console log.");
        }

        var results = await api.GetFromJsonAsync<JsonElement>($"/api/results/{session}", cancellationToken);
        var scores = string.Join(", ", results.EnumerateObject().Select(image => $"{image.Name} {image.Value.GetProperty("overall_score")}"));
        await output.WriteLineAsync($"      finished; overall score per image: {scores}");
        return session;
    }

    private async Task<string> CohortImportAsync(TextWriter output, CancellationToken cancellationToken)
    {
        if (configuration.GetConnectionString("pacs") is not { Length: > 0 } pacsAddress)
        {
            await Step(output, 5, "no PACS (ConnectionStrings:pacs) given to the demo: the cohort import is left out");
            return "";
        }

        using var pacs = PacsClient(pacsAddress);
        var accessions = new List<string>();
        // Five studies: ImagingImport refuses smaller cohorts (re-identification risk).
        for (var study = 1; study <= 5; study++)
        {
            var accession = $"DEMO-ACC-{study:D3}";
            accessions.Add(accession);
            foreach (var (_, part10) in DemoSeries.Mr($"cohort-{study}", $"DEMO-PAT-{(study + 1) / 2}", accession, slices: 2, size: 32, time.GetUtcNow()))
            {
                using var stored = await pacs.PostAsync("/instances", new ByteArrayContent(part10), cancellationToken);
                await Expect(stored, HttpStatusCode.OK, "storing the cohort's studies in the PACS (Orthanc)", cancellationToken);
            }
        }

        using var import = clients.CreateClient(ImagingImport);
        import.DefaultRequestHeaders.Add("X-Service-Key", _options.ServiceKey);
        var query = Convert.ToBase64String(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { accession_numbers = accessions })))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var project = _options.ImportProject;
        using (var started = await import.PostAsync($"/retrieval/import/{project}?encoded_query={query}&create_project=true", null, cancellationToken))
        {
            await Expect(started, HttpStatusCode.Accepted, $"starting the import of cohort {project}", cancellationToken);
        }

        await Step(output, 5, $"{accessions.Count} studies stored in the PACS; cohort import into XNAT project {project} started");
        var last = "";
        var counts = await PollAsync(async () =>
        {
            var now = await import.GetFromJsonAsync<JsonElement>($"/retrieval/import_status_count/{project}?encoded_query={query}", cancellationToken);
            var status = now.GetProperty("import_status");
            var line = string.Join(", ", status.EnumerateObject().Select(c => $"{c.Name.Replace("_count", "", StringComparison.Ordinal)} {c.Value}"));
            if (line != last)
            {
                last = line;
                await output.WriteLineAsync($"      {line}");
            }

            return status.GetProperty("queued_count").GetInt32() + status.GetProperty("processing_count").GetInt32() == 0 ? status : (JsonElement?)null;
        }, $"cohort {project}'s import", cancellationToken);
        if (counts.GetProperty("successful_count").GetInt32() != accessions.Count)
        {
            throw new DemoStepFailedException($"cohort {project}'s import ended {counts}; see imagingimport's console log and GET /retrieval/studies/{project}.");
        }

        return project;
    }

    // The files docs/walkthrough.md uploads: a second k-space, a series of its own, and target images, all generated.
    private async Task WalkthroughFilesAsync(TextWriter output, CancellationToken cancellationToken)
    {
        await File.WriteAllBytesAsync(Path.Combine(_options.OutputDirectory, "phantom-kspace.npy"), PhantomKSpace.Npy(2, 64, 64), cancellationToken);
        var series = Directory.CreateDirectory(Path.Combine(_options.OutputDirectory, "walkthrough-series"));
        foreach (var (name, part10) in DemoSeries.Mr("walkthrough", "DEMO-WALKTHROUGH", null, slices: 4, size: 64, time.GetUtcNow()))
        {
            await File.WriteAllBytesAsync(Path.Combine(series.FullName, name), part10, cancellationToken);
        }

        var (before, after) = TargetImages(QualityTargetCatalogue.Find(QualityTargetId)!);
        await File.WriteAllBytesAsync(Path.Combine(_options.OutputDirectory, "target-before.tif"), before, cancellationToken);
        await File.WriteAllBytesAsync(Path.Combine(_options.OutputDirectory, "target-after.tif"), after, cancellationToken);
        await Step(output, 6, $"files for docs/walkthrough.md written to {_options.OutputDirectory}");
    }

    // The after scan is a little noisier than the before scan, as a digitisation batch wears a scanner.
    private static (byte[] Before, byte[] After) TargetImages(QualityTarget target) =>
        (TargetImageWriter.Tiff(TargetRenderer.Render(target, 100)), TargetImageWriter.Tiff(TargetRenderer.Render(target, 100, new RenderDefects { NoiseL = 1.2, Seed = 7 })));

    private static HttpClient PacsClient(string connectionString)
    {
        var address = new Uri(connectionString);
        var client = new HttpClient { BaseAddress = new Uri(address.GetLeftPart(UriPartial.Authority)) };
        if (address.UserInfo.Length > 0)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.UnescapeDataString(address.UserInfo))));
        }

        return client;
    }

    private static async Task<string> PostForIdAsync(HttpClient api, string path, object body, CancellationToken cancellationToken) =>
        (await PostForBodyAsync(api, path, body, $"POST {path}", cancellationToken)).GetProperty("id").ToString();

    private static async Task<JsonElement> PostForBodyAsync(HttpClient api, string path, object body, string doing, CancellationToken cancellationToken)
    {
        using var response = body is HttpContent content ? await api.PostAsync(path, content, cancellationToken) : await api.PostAsJsonAsync(path, body, cancellationToken);
        return await Expect(response, response.StatusCode is HttpStatusCode.OK ? HttpStatusCode.OK : HttpStatusCode.Created, doing, cancellationToken);
    }

    private static async Task<JsonElement> Expect(HttpResponseMessage response, HttpStatusCode expected, string doing, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.StatusCode != expected)
        {
            throw new DemoStepFailedException($"{doing} answered {(int)response.StatusCode} {response.ReasonPhrase}: {text}");
        }

        return text.Length > 0 && text.TrimStart().StartsWith('{') ? JsonDocument.Parse(text).RootElement.Clone() : default;
    }

    private async Task<T> PollAsync<T>(Func<Task<T?>> poll, string what, CancellationToken cancellationToken) where T : struct
    {
        var deadline = time.GetUtcNow() + _options.StepTimeout;
        while (true)
        {
            if (await poll() is { } done)
            {
                return done;
            }

            if (time.GetUtcNow() > deadline)
            {
                throw new DemoStepFailedException($"{what} did not finish within {_options.StepTimeout}. Check the dashboard's console logs of workflowworker and imagingimport.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), time, cancellationToken);
        }
    }

    private static Task Step(TextWriter output, int step, string what) => output.WriteLineAsync($"[{step}/{Steps}] {what}");

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    private sealed record VendorToken(string Name, string Source, string Token);
}
