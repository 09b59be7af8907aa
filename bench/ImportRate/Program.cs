using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using Imaging.Dicom;
using Imaging.StandIns;
using Imaging.TestSupport;

// Imports a cohort of small studies from the app host's Orthanc into the XNAT stand-in answering every call after a set
// latency, once per concurrency setting, and reports studies per minute and where each study's time went (from the
// phase times ImagingImport logs for every import). Usage: ImportRate <studies> <latency ms> <output.md> <concurrency...>
var studies = int.Parse(args[0], CultureInfo.InvariantCulture);
var latency = TimeSpan.FromMilliseconds(int.Parse(args[1], CultureInfo.InvariantCulture));
var output = args[2];
var settings = args[3..].Select(a => int.Parse(a, CultureInfo.InvariantCulture)).ToArray();

var rows = new List<string>();
var phases = new List<string>();
foreach (var concurrency in settings)
{
    var run = await ImportRun.MeasureAsync(studies, latency, concurrency);
    Console.WriteLine($"concurrency {concurrency}: {run.StudiesPerMinute:F0} studies/min, {run.Elapsed.TotalSeconds:F1} s, floor {run.FloorPerMinute:F0}/min");
    rows.Add($"| {concurrency} | {run.Elapsed.TotalSeconds:F1} | **{run.StudiesPerMinute:F0}** | {run.FloorPerMinute:F0} | {run.XnatCalls} | {run.CpuSeconds:F1} | {run.CpuSeconds * 1000 / run.Studies:F0} |");
    phases.Add($"| {concurrency} | {run.Mean("xnat_check"):F1} | {run.Mean("retrieve"):F1} | {run.Mean("pack"):F2} | {run.Mean("upload"):F1} | {run.Mean("confirm"):F1} | {run.Mean("total"):F1} |");
}

var report = new StringBuilder();
report.AppendLine("# ImagingImport: cohort import rate");
report.AppendLine();
report.AppendLine($"Written by `bench/import-rate.sh` on {DateTime.UtcNow:yyyy-MM-dd}, {Environment.ProcessorCount} cores. A cohort of {studies} small studies "
    + $"(4 instances of 64×64 16-bit each, about 36 KB) is imported from Orthanc (the app host's `pacs`, DICOMweb) into the XNAT stand-in, which answers every call after {latency.TotalMilliseconds:F0} ms, "
    + "through the whole application (`ImagingImport:LocalPacs`). Time is counted from the import request to the last study imported, after a first cohort of 50 studies has warmed the service up (a fresh .NET process spends its first seconds in the JIT). "
    + "`MaxConcurrentImports` and `MaxConcurrentPerProject` are both set to the concurrency; one project, one replica.");
report.AppendLine();
report.AppendLine("| concurrency | seconds | studies/min | latency floor, studies/min | XNAT calls | ImagingImport CPU s | CPU ms per study |");
report.AppendLine("| --- | --- | --- | --- | --- | --- | --- |");
rows.ForEach(r => report.AppendLine(r));
report.AppendLine();
report.AppendLine($"The latency floor is what the stand-in's latency alone allows: each study makes three XNAT calls (the session check, the upload, the confirming listing), "
    + $"so at most concurrency × 60 s / (3 × {latency.TotalMilliseconds:F0} ms) studies a minute.");
report.AppendLine();
report.AppendLine("Where a study's time goes, mean milliseconds per imported study (ImagingImport's own phase times):");
report.AppendLine();
report.AppendLine("| concurrency | xnat_check | retrieve | pack | upload | confirm | total |");
report.AppendLine("| --- | --- | --- | --- | --- | --- | --- |");
phases.ForEach(r => report.AppendLine(r));
File.WriteAllText(output, report.ToString());
Console.WriteLine($"wrote {output}");

internal sealed partial record ImportRun(TimeSpan Elapsed, int Studies, TimeSpan Latency, int Concurrency, int XnatCalls, double CpuSeconds,
    IReadOnlyDictionary<string, List<double>> Phases)
{
    public double StudiesPerMinute => Studies / Elapsed.TotalMinutes;

    public double FloorPerMinute => Concurrency * 60_000 / (3 * Latency.TotalMilliseconds);

    public double Mean(string phase) => Phases.TryGetValue(phase, out var times) && times.Count > 0 ? times.Average() : 0;

    public static async Task<ImportRun> MeasureAsync(int studies, TimeSpan latency, int concurrency)
    {
        await using var xnat = await XnatStandIn.StartAsync();
        await using var run = await AppHostTesting.StartAsync<Projects.AppHost>(
        [
            "--ImagingImport:LocalPacs=true",
            $"--ImagingImport:Settings:Xnat:BaseUrl={xnat.BaseAddress}",
            $"--ImagingImport:Settings:Xnat:Username={XnatStandIn.Username}",
            $"--ImagingImport:Settings:Xnat:Password={XnatStandIn.Password}",
            $"--ImagingImport:Settings:Import:MaxConcurrentImports={concurrency}",
            $"--ImagingImport:Settings:Import:MaxConcurrentPerProject={concurrency}",
            "--ImagingImport:Settings:Logging:LogLevel:Default=Warning",
            "--ImagingImport:Settings:Logging:LogLevel:Imaging.ImagingImport.Import.StudyImporter=Information",
        ]);
        var app = run.App;
        using var pacs = OrthancPeer.CreateClient((await app.GetConnectionStringAsync("pacs"))!);
        using var import = app.CreateHttpClient("imagingimport");
        import.DefaultRequestHeaders.Add("X-Service-Key", await app.ParameterAsync("imagingimport-service-key"));
        var pid = run.Pids("imagingimport").Single();
        var rate = await StoreCohortAsync(pacs, xnat, "RATE", studies);
        // A first, smaller cohort warms the service up: a fresh .NET process spends its first seconds in the JIT.
        xnat.Latency = latency;
        await ImportCohortAsync(import, "WARM", await StoreCohortAsync(pacs, xnat, "WARM", 50), 50);
        var cpuBefore = ProcessCpuSeconds(pid);
        var callsBefore = xnat.Calls;
        // IMPORT_RATE_PERF=<file>: a CPU profile of ImagingImport while it imports (run with DOTNET_PerfMapEnabled=1).
        using var perf = Environment.GetEnvironmentVariable("IMPORT_RATE_PERF") is { Length: > 0 } perfData
            ? System.Diagnostics.Process.Start("perf", ["record", "-F", "499", "-g", "-p", pid.ToString(CultureInfo.InvariantCulture), "-o", perfData])
            : null;
        var elapsed = await ImportCohortAsync(import, "RATE", rate, studies);
        var cpu = ProcessCpuSeconds(pid) - cpuBefore;
        if (perf is not null)
        {
            System.Diagnostics.Process.Start("kill", ["-INT", perf.Id.ToString(CultureInfo.InvariantCulture)]).WaitForExit();
            await perf.WaitForExitAsync();
        }

        var phases = new Dictionary<string, List<double>>();
        foreach (var line in await app.ConsoleLinesAsync("imagingimport"))
        {
            if (line.Contains("into project RATE ", StringComparison.Ordinal) && PhaseLine().Match(line) is { Success: true } match)
            {
                foreach (var (phase, group) in new[] { ("total", 1), ("xnat_check", 2), ("retrieve", 3), ("pack", 4), ("upload", 5), ("confirm", 6) })
                {
                    (phases.TryGetValue(phase, out var list) ? list : phases[phase] = []).Add(double.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture));
                }
            }
        }

        return new ImportRun(elapsed, studies, latency, concurrency, xnat.Calls - callsBefore, cpu, phases);
    }

    /// <summary>Stores a cohort of studies in the PACS and creates its XNAT project; the cohort query.</summary>
    private static async Task<string> StoreCohortAsync(HttpClient pacs, XnatStandIn xnat, string project, int studies)
    {
        var accessions = new List<string>();
        for (var i = 0; i < studies; i++)
        {
            accessions.Add($"{project}-{i:D4}");
            await StoreStudyAsync(pacs, $"{project}-PAT-{i / 2}", accessions[^1]);
        }

        // Created here: the import request's XNAT calls (project lookup and creation) are not part of the cohort's time.
        xnat.AddProject(project);
        return Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(new { accession_numbers = accessions })).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    /// <summary>Imports the cohort and waits for every study; the time from the request to the last study's import.</summary>
    private static async Task<TimeSpan> ImportCohortAsync(HttpClient import, string project, string query, int studies)
    {
        var start = DateTimeOffset.UtcNow;
        using (var started = await import.PostAsync($"/retrieval/import/{project}?encoded_query={query}", null))
        {
            started.EnsureSuccessStatusCode();
        }

        // Polled slowly, so the harness's own requests do not weigh on the importer; the end is the last import's own time.
        JsonElement page;
        do
        {
            await Task.Delay(500);
            page = await import.GetFromJsonAsync<JsonElement>($"/retrieval/studies/{project}?status=successful&limit={studies}");
        }
        while (page.GetProperty("total").GetInt32() < studies);

        return page.GetProperty("items").EnumerateArray().Max(s => s.GetProperty("imported_at").GetDateTimeOffset()) - start;
    }

    /// <summary>User and system CPU of a process so far, from /proc/{pid}/stat (clock ticks of 1/100 s).</summary>
    private static double ProcessCpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    private static async Task StoreStudyAsync(HttpClient pacs, string patientId, string accession)
    {
        var patientStudy = new PatientStudy(patientId, "Rate^Patient", DicomUid.Generate(), DateTimeOffset.UnixEpoch, accession);
        var series = new ImageSeries(DicomUid.Generate(), 1, "OT");
        for (var instance = 1; instance <= 4; instance++)
        {
            await OrthancPeer.StoreAsync(pacs, DicomImages.SecondaryCapture(patientStudy, series, instance, ImagePixels.Gray16(new ushort[64 * 64], 64, 64), DateTimeOffset.UnixEpoch));
        }
    }

    [GeneratedRegex(@"in (\d+\.\d) ms: xnat_check (\d+\.\d), retrieve (\d+\.\d), pack (\d+\.\d), upload (\d+\.\d), confirm (\d+\.\d)")]
    private static partial Regex PhaseLine();
}
