using Imaging.Dicom;

namespace EndToEnd.Tests;

/// <summary>
/// A series' life through the whole application: uploaded through the vendor form and STOW-RS, 404 → 202 (waiting) → 202 →
/// 200 on /results, analysed by the worker over the bus; the report's statistics checked against numpy and the
/// previews against numpy's window on the same files (written by pydicom); a DCMTK Secondary Capture answers 400.
/// </summary>
[Collection(WholeApplicationCollection.Name)]
public sealed class SeriesResultsEndToEndTests(WholeApplication whole) : IDisposable
{
    private static readonly string Oracle = Path.Combine(AppContext.BaseDirectory, "Oracle", "series_stats.py");
    private readonly string _folder = Directory.CreateTempSubdirectory("series-e2e-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task A_CT_series_goes_from_not_uploaded_to_analysed_with_numpys_statistics_and_previews()
    {
        ExternalTool.Run("/usr/bin/python3", Oracle, "write", _folder);
        string[] files = ["ct-signed-1.dcm", "ct-signed-2.dcm", "ct-signed-3.dcm", "ct-signed-4.dcm"];
        var series = DicomFile.Open(Path.Combine(_folder, files[0])).Dataset.GetString(DicomTag.SeriesInstanceUID)!;
        var vendor = await VendorClientAsync();

        var notUploaded = await vendor.GetAsync($"/results/{series}", Ct);
        using (var form = new MultipartFormDataContent())
        {
            for (var i = 0; i < files.Length; i++)
            {
                form.Add(new ByteArrayContent(await File.ReadAllBytesAsync(Path.Combine(_folder, files[i]), Ct)), $"file_{i}", files[i]);
            }

            using var upload = await vendor.PostAsync("/studies", form, Ct);
            Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
        }

        // Uploaded: under process at once (the seed's 202), waiting to be queued by itself once no instance comes for
        // a while; /compute queues it now (or finds it queued, had the app host's scan come first).
        var waiting = await vendor.GetAsync($"/results/{series}", Ct);
        var compute = await vendor.GetAsync($"/compute/{series}", Ct);
        Assert.Equal(HttpStatusCode.NotFound, notUploaded.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, waiting.StatusCode);
        Assert.Equal("waiting for the series to be complete", waiting.Headers.GetValues("X-Analysis-Stage").Single());
        Assert.Contains(compute.StatusCode, new[] { HttpStatusCode.OK, HttpStatusCode.NotModified });

        var results = await WaitForResultsAsync(vendor, series);
        Assert.Equal("ct_image_quality", results.GetProperty("usecase").GetString());
        Assert.Equal("Routine", results.GetProperty("triage_status").GetString());
        var links = results.GetProperty("result").GetProperty("files");
        Assert.Equal(["sc", "sc_key_slices", "json"], links.EnumerateObject().Select(p => p.Name));
        Assert.Equal(4, links.GetProperty("sc").GetArrayLength());
        // On the way the worker reported its stages, which ResultsApi logged (and answered in /results' headers meanwhile).
        bool Of(string line, string stage) => line.Contains($"Series {series} of source", StringComparison.Ordinal) && line.Contains(stage, StringComparison.Ordinal);
        var lines = await whole.App.WaitForLineAsync("resultsapi", l => Of(l, "analysis 70% (4 slice(s) measured; rendering"), Ct);
        Assert.Contains(lines, l => Of(l, "analysis 70% (4 slice(s) measured; rendering"));
        Assert.Contains(lines, l => Of(l, "analysis 0% (reading 4 instance(s))"));

        var anonymous = whole.App.CreateHttpClient("resultsapi");
        var report = JsonDocument.Parse(await anonymous.GetByteArrayAsync(new Uri(links.GetProperty("json")[0].GetString()!).PathAndQuery, Ct)).RootElement;
        using var oracle = JsonDocument.Parse(ExternalTool.Run("/usr/bin/python3", [Oracle, "stats", .. files.Select(f => Path.Combine(_folder, f))]));
        var expected = oracle.RootElement.GetProperty("series");
        var figures = report.GetProperty("series");
        Assert.Equal(4, figures.GetProperty("slices").GetInt32());
        Assert.Equal(expected.GetProperty("pixels").GetInt64(), figures.GetProperty("pixels").GetInt64());
        Close(expected.GetProperty("mean").GetDouble(), figures.GetProperty("mean").GetDouble());
        Close(expected.GetProperty("std").GetDouble(), figures.GetProperty("standard_deviation").GetDouble());
        var noise = oracle.RootElement.GetProperty("frames").EnumerateArray().Select(f => f.GetProperty("noise").GetDouble()).Average();
        Close(noise, figures.GetProperty("mean_noise_sd").GetDouble());
        Assert.Equal(40, report.GetProperty("window").GetProperty("center").GetDouble());
        Assert.Equal(400, report.GetProperty("window").GetProperty("width").GetDouble());
        Assert.All(report.GetProperty("rules").EnumerateArray(), rule => Assert.True(rule.GetProperty("passed").GetBoolean()));

        // The first preview is slice 1 rendered with the report's window: numpy's rendering of the same file, byte for byte.
        var preview = Path.Combine(_folder, "sc-0001.dcm");
        await File.WriteAllBytesAsync(preview, await anonymous.GetByteArrayAsync(new Uri(links.GetProperty("sc")[0].GetString()!).PathAndQuery, Ct), Ct);
        Assert.Contains("SecondaryCaptureImageStorage", ExternalTool.Run("dcmdump", "+P", "0008,0016", preview), StringComparison.Ordinal);
        var rendered = JsonSerializer.Deserialize<int[][]>(ExternalTool.Run("/usr/bin/python3", Oracle, "render", "40", "400", Path.Combine(_folder, files[0])))!;
        var pixels = DicomFile.Open(preview).Dataset.GetElement(DicomTag.PixelData)!.Bytes.ToArray();
        Assert.Equal(rendered[0].Select(v => (byte)v).ToArray(), pixels[..rendered[0].Length]);
        Assert.Equal(DicomFile.Open(Path.Combine(_folder, files[0])).Dataset.GetString(DicomTag.StudyInstanceUID), DicomFile.Open(preview).Dataset.GetString(DicomTag.StudyInstanceUID));
    }

    [Fact]
    public async Task An_MR_series_sent_by_STOW_is_analysed_and_a_DCMTK_secondary_capture_answers_use_case_not_implemented()
    {
        ExternalTool.Run("/usr/bin/python3", Oracle, "write", _folder);
        ExternalTool.Run("/usr/bin/python3", Path.Combine(AppContext.BaseDirectory, "Oracle", "bmp.py"), Path.Combine(_folder, "card.bmp"));
        ExternalTool.Run("img2dcm", "-i", "BMP", "-k", "Modality=OT", Path.Combine(_folder, "card.bmp"), Path.Combine(_folder, "card.dcm"));
        var vendor = await VendorClientAsync();
        var admin = await LoginAsync();
        string[] mr = ["mr-1.dcm", "mr-2.dcm", "mr-3.dcm"];
        var mrSeries = DicomFile.Open(Path.Combine(_folder, mr[0])).Dataset.GetString(DicomTag.SeriesInstanceUID)!;
        var scSeries = DicomFile.Open(Path.Combine(_folder, "card.dcm")).Dataset.GetString(DicomTag.SeriesInstanceUID)!;
        foreach (var file in mr.Append("card.dcm"))
        {
            var content = new MultipartContent("related", $"b-{Guid.NewGuid():N}");
            content.Headers.ContentType!.Parameters.Add(new NameValueHeaderValue("type", "\"application/dicom\""));
            content.Add(new ByteArrayContent(await File.ReadAllBytesAsync(Path.Combine(_folder, file), Ct)) { Headers = { ContentType = new MediaTypeHeaderValue("application/dicom") } });
            using var stored = await admin.PostAsync("/dicom-web/studies", content, Ct);
            Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await vendor.GetAsync($"/compute/{mrSeries}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await vendor.GetAsync($"/compute/{scSeries}", Ct)).StatusCode);

        var results = await WaitForResultsAsync(vendor, mrSeries);
        Assert.Equal("mr_image_quality", results.GetProperty("usecase").GetString());
        await AssertTracedThroughRedisAsync(vendor, mrSeries);
        Assert.Equal("Routine", results.GetProperty("triage_status").GetString());
        var unsupported = await WaitForAsync(vendor, scSeries, HttpStatusCode.BadRequest);
        Assert.Equal(["success", "message", "seriesInstanceUID", "accessionNumber", "debug_info", "result"], unsupported.EnumerateObject().Select(p => p.Name));
        Assert.Equal("Use case not implemented", unsupported.GetProperty("message").GetString());
        Assert.Equal(scSeries, unsupported.GetProperty("seriesInstanceUID").GetString());
        Assert.Equal("Modality OT has no use case; CT and MR series are analysed.", unsupported.GetProperty("debug_info").GetProperty("reason").GetString());
        Assert.Equal("{}", unsupported.GetProperty("result").GetRawText());
    }

    /// <summary>
    /// A finished series' /results reads the Redis cache: Aspire's Redis integration puts that call in the request's
    /// trace, beside the server span, as the dashboard shows it.
    /// </summary>
    private async Task AssertTracedThroughRedisAsync(HttpClient vendor, string series)
    {
        var traceId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        using (var request = new HttpRequestMessage(HttpMethod.Get, $"/results/{series}"))
        {
            request.Headers.Add("traceparent", $"00-{traceId}-{Convert.ToHexStringLower(BitConverter.GetBytes(Random.Shared.NextInt64()))}-01");
            Assert.Equal(HttpStatusCode.OK, (await vendor.SendAsync(request, Ct)).StatusCode);
        }

        using var dashboard = whole.DashboardApi();
        // OTLP span kind 3: client.
        bool Redis((string Service, JsonElement Span) s) => s.Service == "resultsapi" && Dashboard.Kind(s.Span) == 3
            && (Dashboard.Attribute(s.Span, "db.system") == "redis" || Dashboard.Attribute(s.Span, "db.system.name") == "redis");
        IReadOnlyList<(string Service, JsonElement Span)> spans = [];
        // The Redis instrumentation hands its spans over in batches (every few seconds), so they come a little later.
        for (var attempt = 0; attempt < 150 && !spans.Any(Redis); attempt++)
        {
            spans = [.. (await Dashboard.SpansAsync(dashboard, Ct, "resultsapi")).Where(s => s.Span.GetProperty("traceId").GetString() == traceId)];
            await Task.Delay(200, Ct);
        }

        Assert.True(spans.Any(Redis), "no Redis client span in the trace: " + string.Join(", ", spans.Select(s => s.Span.GetProperty("name").GetString())));
    }

    private static void Close(double expected, double actual) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-9 * Math.Max(1, Math.Abs(expected)), $"numpy {expected}, ours {actual}");

    private static async Task<JsonElement> WaitForResultsAsync(HttpClient vendor, string series) => await WaitForAsync(vendor, series, HttpStatusCode.OK);

    /// <summary>Polls /results until it answers <paramref name="wanted"/>; on the way only 202 (queued or processing) is acceptable.</summary>
    private static async Task<JsonElement> WaitForAsync(HttpClient vendor, string series, HttpStatusCode wanted)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (true)
        {
            using var response = await vendor.GetAsync($"/results/{series}", Ct);
            var body = await response.Content.ReadAsStringAsync(Ct);
            if (response.StatusCode == wanted)
            {
                return JsonDocument.Parse(body).RootElement.Clone();
            }

            Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"/results answered {(int)response.StatusCode}: {body}");
            Assert.True(DateTime.UtcNow < deadline, $"series {series} still processing after 90 s");
            await Task.Delay(200, Ct);
        }
    }

    private Task<HttpClient> VendorClientAsync() => whole.VendorClientAsync("end-to-end", Ct);

    private Task<HttpClient> LoginAsync() => whole.LoginAsync(Ct);
}
