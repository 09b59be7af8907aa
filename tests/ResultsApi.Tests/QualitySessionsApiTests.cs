using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Imaging.Contracts;

namespace ResultsApi.Tests;

/// <summary>
/// Image-quality sessions (seed: quality-session-results): the upload and every refusal of it, which leaves no row and
/// no folder; the job in the outbox; the worker's calls (service role only) and their order; the seed's results body,
/// pending and finished; the seed's 404 for unknown, malformed and other sources' ids; the measurements; and the zip.
/// The API only sniffs the first bytes, so the images are short byte arrays with TIFF or JPEG magic.
/// </summary>
public sealed class QualitySessionsApiTests(ResultsApiFactory api) : IClassFixture<ResultsApiFactory>
{
    private const string NoSessionBody = "{\"error\":\"session does not exist\"}";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The seed sample's categories and metrics, which the worker's results carry per level.</summary>
    private static readonly Dictionary<string, string[]> SeedMetrics = new()
    {
        ["TonalReproduction"] = ["Delta_C", "Delta_E", "Lab_L", "Max_Gain_Modulation_L", "Min_Gain_Modulation_L"],
        ["Resolution"] = ["MTF10", "MTF50", "Max_Misregistration", "Max_Modulation", "Min_Sampling_Efficiency", "Obt_Sampling_Rate"],
        ["Color"] = ["Max_Delta_C", "Max_Delta_E", "Max_Delta_H", "Max_Delta_L", "Mean_Delta_C", "Mean_Delta_E", "Mean_Delta_H", "Mean_Delta_L"],
        ["Shading"] = ["Max_Delta_Gray", "Max_Delta_White"],
        ["Distortion"] = ["Max_Distortion"],
        ["Lines"] = ["Max_Out_Black", "Max_Out_Gray", "Max_Out_White"],
        ["Noise"] = ["Visual_Noise"],
    };

    [Fact]
    public async Task A_session_goes_from_upload_through_the_worker_to_the_seeds_results_its_measurements_and_a_zip_of_what_was_uploaded()
    {
        var user = await api.LoginAsync();
        var worker = await api.LoginAsync("workflow-worker", ResultsApiFactory.WorkerPassword);
        var (before, after) = (Tiff(1, bigEndian: false), Tiff(2, bigEndian: true));
        var (batch1, batch2) = (Jpeg(3), Tiff(4, bigEndian: false));
        var id = await CreateAsync(user, ("before_target", "UTT.tif", before), ("after_target", "UTT.tif", after),
            ("files[]", "page-002.tif", batch2), ("files[]", "page-001.jpg", batch1));
        var renamed = $"{id:N}"[..4] + "-UTT.tif";

        Assert.Contains(new QualitySessionJob(id), await QueuedJobsAsync());
        var session = await user.GetFromJsonAsync<JsonElement>($"/api/sessions/{id}", Ct);
        Assert.Equal("basic-reflective", session.GetProperty("target").GetString());
        Assert.Equal("created", session.GetProperty("state").GetString());
        Assert.Equal([("UTT.tif", "before_target", before.Length, Sha256(before)), (renamed, "after_target", after.Length, Sha256(after))],
            session.GetProperty("images").EnumerateArray().Select(i => (i.GetProperty("file_name").GetString(), i.GetProperty("image_tag").GetString(),
                i.GetProperty("size").GetInt32(), i.GetProperty("sha256").GetString())));
        Assert.Equal([("page-001.jpg", batch1.Length, Sha256(batch1)), ("page-002.tif", batch2.Length, Sha256(batch2))],
            session.GetProperty("files").EnumerateArray().Select(i => (i.GetProperty("file_name").GetString(), i.GetProperty("size").GetInt32(), i.GetProperty("sha256").GetString())));
        Assert.Equal($"{{\"UTT.tif\":{Pending("before_target")},\"{renamed}\":{Pending("after_target")}}}", await GetStringAsync(user, $"/api/results/{id}"));

        var path = $"/api/v1/quality-sessions/{id}";
        using var notAWorker = await user.PostAsync($"{path}/started", null, Ct);
        using var started = await worker.PostAsync($"{path}/started", null, Ct);
        using var redelivered = await worker.PostAsync($"{path}/started", null, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, notAWorker.StatusCode);
        Assert.Equal(HttpStatusCode.OK, started.StatusCode);
        Assert.Equal(HttpStatusCode.OK, redelivered.StatusCode);
        var context = await started.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(id, context.GetProperty("session_id").GetGuid());
        Assert.Equal(await DefaultSourceAsync(), context.GetProperty("source_id").GetGuid());
        Assert.Equal("basic-reflective", context.GetProperty("target").GetString());
        Assert.Equal([("UTT.tif", "before_target", before.Length), (renamed, "after_target", after.Length)],
            context.GetProperty("images").EnumerateArray().Select(i => (i.GetProperty("file_name").GetString(), i.GetProperty("image_tag").GetString(), i.GetProperty("size").GetInt32())));
        Assert.Equal(before, await worker.GetByteArrayAsync($"{path}/images/UTT.tif", Ct));
        Assert.Equal(after, await worker.GetByteArrayAsync($"{path}/images/{renamed}", Ct));
        using (var batchImage = await worker.GetAsync($"{path}/images/page-001.jpg", Ct))
        using (var sneaky = await worker.GetAsync($"{path}/images/..%2F..%2Fsecrets.json", Ct))
        {
            Assert.Equal(HttpStatusCode.NotFound, batchImage.StatusCode);
            Assert.Equal(HttpStatusCode.BadRequest, sneaky.StatusCode);
        }

        Assert.Equal("running", (await user.GetFromJsonAsync<JsonElement>($"/api/sessions/{id}", Ct)).GetProperty("state").GetString());
        Assert.Equal($"{{\"UTT.tif\":{Pending("before_target")},\"{renamed}\":{Pending("after_target")}}}", await GetStringAsync(user, $"/api/results/{id}"));

        // One result indented, one compact: both come back exactly as sent.
        var beforeResult = SeedResult("before_target", "A", indented: true);
        var afterResult = SeedResult("after_target", "B", indented: false);
        var (beforeMeasured, afterMeasured) = (Measurements(1.2), Measurements(3.4));
        var report = Report(("UTT.tif", beforeResult, beforeMeasured), (renamed, afterResult, afterMeasured));
        using (var finished = await worker.PostAsync($"{path}/finished", report, Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, finished.StatusCode);
        }

        var results = await GetStringAsync(user, $"/api/results/{id}");
        Assert.Equal($"{{\"UTT.tif\":{beforeResult},\"{renamed}\":{afterResult}}}", results);
        var expected = new JsonObject { ["UTT.tif"] = JsonNode.Parse(beforeResult), [renamed] = JsonNode.Parse(afterResult) };
        Assert.True(JsonNode.DeepEquals(expected, JsonNode.Parse(results)));
        Assert.Equal(["C", "B", "A", "image_tag", "overall_score"], JsonNode.Parse(results)![renamed]!.AsObject().Select(p => p.Key));

        var measured = JsonNode.Parse(await GetStringAsync(user, $"/api/results/{id}/measurements"))!;
        Assert.Equal(id.ToString(), measured["session_id"]!.GetValue<string>());
        Assert.Equal("basic-reflective", measured["target"]!.GetValue<string>());
        Assert.Equal("finished", measured["state"]!.GetValue<string>());
        Assert.Null(measured["reason"]);
        Assert.True(JsonNode.DeepEquals(new JsonObject { ["UTT.tif"] = JsonNode.Parse(beforeMeasured), [renamed] = JsonNode.Parse(afterMeasured) }, measured["images"]));

        using (var download = await user.GetAsync($"/api/download/{id}", Ct))
        {
            Assert.Equal(HttpStatusCode.OK, download.StatusCode);
            Assert.Equal("application/zip", download.Content.Headers.ContentType!.MediaType);
            Assert.Equal("attachment", download.Content.Headers.ContentDisposition!.DispositionType);
            Assert.Equal($"session-{id}.zip", download.Content.Headers.ContentDisposition.FileName);
            await using var zip = new ZipArchive(new MemoryStream(await download.Content.ReadAsByteArrayAsync(Ct)), ZipArchiveMode.Read);
            Assert.Equal(["images/UTT.tif", $"images/{renamed}", "files/page-001.jpg", "files/page-002.tif", "results.json", "measurements.json"],
                zip.Entries.Select(e => e.FullName));
            Assert.Equal(before, Read(zip, "images/UTT.tif"));
            Assert.Equal(after, Read(zip, $"images/{renamed}"));
            Assert.Equal(batch1, Read(zip, "files/page-001.jpg"));
            Assert.Equal(batch2, Read(zip, "files/page-002.tif"));
            Assert.Equal(results, Encoding.UTF8.GetString(Read(zip, "results.json")));
            Assert.True(JsonNode.DeepEquals(measured["images"], JsonNode.Parse(Read(zip, "measurements.json"))));
        }

        // The outcome is final: a repeated report, a late start and a late failure change nothing.
        using var again = await worker.PostAsync($"{path}/finished", Report(("UTT.tif", afterResult.Replace("after_target", "before_target"), afterMeasured),
            (renamed, afterResult, afterMeasured)), Ct);
        using var lateStart = await worker.PostAsync($"{path}/started", null, Ct);
        using var lateFailure = await worker.PostAsJsonAsync($"{path}/failed", new { reason = "too late" }, Ct);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, lateStart.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, lateFailure.StatusCode);
        Assert.Equal(results, await GetStringAsync(user, $"/api/results/{id}"));
    }

    [Fact]
    public async Task The_worker_report_names_exactly_the_target_images_in_the_seeds_shape_and_only_a_running_session_takes_it()
    {
        var user = await api.LoginAsync();
        var worker = await api.LoginAsync("workflow-worker", ResultsApiFactory.WorkerPassword);
        var id = await CreateAsync(user, ("before_target", "before.tif", Tiff(5, false)), ("after_target", "after.jpg", Jpeg(6)),
            ("files[]", "before.tif", Jpeg(7)));
        var path = $"/api/v1/quality-sessions/{id}";
        var (beforeResult, afterResult, measured) = (SeedResult("before_target", "C", false), SeedResult("after_target", "None", false), Measurements(9));

        using (var notStarted = await worker.PostAsync($"{path}/finished", Report(("before.tif", beforeResult, measured), ("after.jpg", afterResult, measured)), Ct))
        {
            Assert.Equal(HttpStatusCode.Conflict, notStarted.StatusCode);
        }

        (await worker.PostAsync($"{path}/started", null, Ct)).Dispose();
        var refusals = new (string Why, HttpContent Body, string Detail)[]
        {
            ("one image missing", Report(("before.tif", beforeResult, measured)), "missing: after.jpg"),
            ("an image that is not a target", Report(("before.tif", beforeResult, measured), ("after.jpg", afterResult, measured), ("page.tif", afterResult, measured)),
                "not target images of the session: page.tif"),
            ("no overall_score", Report(("before.tif", beforeResult.Replace(",\"overall_score\":\"C\"", ""), measured), ("after.jpg", afterResult, measured)),
                "'overall_score' is missing"),
            ("the other image's tag", Report(("before.tif", afterResult, measured), ("after.jpg", afterResult, measured)), "image_tag is \"before_target\""),
            ("not an object", Report(("before.tif", "[]", measured), ("after.jpg", afterResult, measured)), "expected a JSON object"),
            ("measurements not an object", Report(("before.tif", beforeResult, "7"), ("after.jpg", afterResult, measured)), "are a JSON object"),
        };
        foreach (var (why, body, detail) in refusals)
        {
            using var refused = await worker.PostAsync($"{path}/finished", body, Ct);
            Assert.True(refused.StatusCode == HttpStatusCode.BadRequest, why);
            Assert.Contains(detail, (await refused.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        var measuredBefore = JsonNode.Parse(await GetStringAsync(user, $"/api/results/{id}/measurements"))!;
        Assert.Equal("running", measuredBefore["state"]!.GetValue<string>());
        Assert.Equal("{\"before.tif\":null,\"after.jpg\":null}", measuredBefore["images"]!.ToJsonString());

        using var finished = await worker.PostAsync($"{path}/finished", Report(("before.tif", beforeResult, measured), ("after.jpg", afterResult, measured)), Ct);
        Assert.Equal(HttpStatusCode.NoContent, finished.StatusCode);
        Assert.Equal($"{{\"before.tif\":{beforeResult},\"after.jpg\":{afterResult}}}", await GetStringAsync(user, $"/api/results/{id}"));
    }

    [Fact]
    public async Task A_failed_session_keeps_its_reason_answers_pending_results_and_takes_no_later_report()
    {
        var user = await api.LoginAsync();
        var worker = await api.LoginAsync("workflow-worker", ResultsApiFactory.WorkerPassword);
        var id = await CreateAsync(user, ("before_target", "a.jpg", Jpeg(8)), ("after_target", "b.jpg", Jpeg(9)));
        var path = $"/api/v1/quality-sessions/{id}";
        (await worker.PostAsync($"{path}/started", null, Ct)).Dispose();

        using (var noReason = await worker.PostAsJsonAsync($"{path}/failed", new { reason = " " }, Ct))
        {
            Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        }

        var reason = "The fiducial marks were not found in a.jpg. " + new string('x', 1500);
        using (var failed = await worker.PostAsJsonAsync($"{path}/failed", new { reason }, Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, failed.StatusCode);
        }

        var session = await user.GetFromJsonAsync<JsonElement>($"/api/sessions/{id}", Ct);
        Assert.Equal("failed", session.GetProperty("state").GetString());
        Assert.Equal(reason[..1000], session.GetProperty("reason").GetString());
        Assert.Equal($"{{\"a.jpg\":{Pending("before_target")},\"b.jpg\":{Pending("after_target")}}}", await GetStringAsync(user, $"/api/results/{id}"));
        Assert.Equal(reason[..1000], JsonNode.Parse(await GetStringAsync(user, $"/api/results/{id}/measurements"))!["reason"]!.GetValue<string>());

        var measured = Measurements(1);
        using var lateStart = await worker.PostAsync($"{path}/started", null, Ct);
        using var lateFinish = await worker.PostAsync($"{path}/finished",
            Report(("a.jpg", SeedResult("before_target", "A", false), measured), ("b.jpg", SeedResult("after_target", "A", false), measured)), Ct);
        using var failedAgain = await worker.PostAsJsonAsync($"{path}/failed", new { reason = "again" }, Ct);
        Assert.Equal(HttpStatusCode.Conflict, lateStart.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, lateFinish.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, failedAgain.StatusCode);
    }

    [Fact]
    public async Task An_unknown_a_malformed_and_another_sources_session_all_answer_the_seeds_404()
    {
        var user = await api.LoginAsync();
        var other = await api.LoginAsync("other", "other-password");
        var id = await CreateAsync(user, ("before_target", "a.tif", Tiff(10, false)), ("after_target", "b.tif", Tiff(11, true)));

        foreach (var session in new[] { id.ToString(), Guid.NewGuid().ToString(), "not-a-session", "1" })
        {
            foreach (var path in new[] { "/api/results/{0}", "/api/results/{0}/measurements", "/api/sessions/{0}", "/api/download/{0}" })
            {
                using var response = await (session == id.ToString() ? other : user).GetAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, path, session), Ct);
                Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
                Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
                Assert.Equal(NoSessionBody, await response.Content.ReadAsStringAsync(Ct));
            }
        }

        // The owner still sees it.
        using var own = await user.GetAsync($"/api/results/{id}", Ct);
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
    }

    [Theory]
    [InlineData("no target", "No target", "known targets are basic-reflective")]
    [InlineData("unknown target", "Unknown target", "'ISO-19264-UTT' is not a known target; the known targets are basic-reflective")]
    [InlineData("no before_target", "No before_target", "'before_target'")]
    [InlineData("no after_target", "No after_target", "'after_target'")]
    [InlineData("two after_target", "More than one after_target", "'after_target'")]
    [InlineData("a PNG", "Not a TIFF or JPEG image", "'page-002.tif' in files[]")]
    [InlineData("an empty file", "Not a TIFF or JPEG image", "'empty.jpg' in files[]")]
    [InlineData("a path trick", "Invalid file name", "'../../escape.tif' in files[]")]
    [InlineData("a Windows path", "Invalid file name", "'C:\\scans\\UTT.tif' in before_target")]
    [InlineData("a hidden name", "Invalid file name", "'.profile' in after_target")]
    [InlineData("a duplicate batch name", "Duplicate file name", "'PAGE-001.tif' is in files[] more than once")]
    [InlineData("a text field", "Unexpected part", "'note'")]
    [InlineData("a stray file part", "Unexpected part", "'extra'")]
    [InlineData("too many parts", "Too many parts", "The form has 501 parts; a session takes at most 500")]
    public async Task A_bad_upload_is_refused_with_its_reason_and_leaves_no_row_and_no_file(string why, string title, string detail)
    {
        var user = await api.LoginAsync();
        var (before, after, page) = (("before_target", "UTT.tif", Tiff(12, false)), ("after_target", "UTT.tif", Tiff(13, false)), ("files[]", "page-001.tif", Tiff(14, false)));
        var (query, parts) = why switch
        {
            "no target" => ("", new[] { before, after }),
            "unknown target" => ("?target=ISO-19264-UTT", [before, after]),
            "no before_target" => ("?target=basic-reflective", [after, page]),
            "no after_target" => ("?target=basic-reflective", [before, page]),
            "two after_target" => ("?target=basic-reflective", [before, after, after with { Item2 = "other.tif" }]),
            "a PNG" => ("?target=basic-reflective", [before, after, page, ("files[]", "page-002.tif", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])]),
            "an empty file" => ("?target=basic-reflective", [before, after, ("files[]", "empty.jpg", [])]),
            "a path trick" => ("?target=basic-reflective", [before, after, page with { Item2 = "../../escape.tif" }]),
            "a Windows path" => ("?target=basic-reflective", [before with { Item2 = "C:\\scans\\UTT.tif" }, after]),
            "a hidden name" => ("?target=basic-reflective", [before, after with { Item2 = ".profile" }]),
            "a duplicate batch name" => ("?target=basic-reflective", [before, after, page with { Item2 = "page-001.tif" }, page with { Item2 = "PAGE-001.tif" }]),
            "a stray file part" => ("?target=basic-reflective", [before, after, page with { Item1 = "extra" }]),
            "too many parts" => ("?target=basic-reflective", [before, after, .. Enumerable.Range(1, 499).Select(i => page with { Item2 = $"page-{i:D3}.tif" })]),
            _ => ("?target=basic-reflective", [before, after]),
        };
        using var form = Form(parts);
        if (why == "a text field")
        {
            form.Add(new StringContent("first batch"), "note");
        }

        var (rows, files) = await SnapshotAsync();
        using var response = await user.PostAsync($"/api/analyze/device{query}", form, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(title, problem.GetProperty("title").GetString());
        Assert.Contains(detail, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal((rows, files), await SnapshotAsync());
    }

    [Fact]
    public async Task An_upload_over_the_size_limit_is_413_and_leaves_no_row_and_no_file()
    {
        var user = await api.LoginAsync();
        var (rows, files) = await SnapshotAsync();
        var large = Tiff(15, false, length: 5 << 20);
        using var form = Form(("before_target", "UTT.tif", large), ("after_target", "UTT2.tif", Tiff(16, false)));

        using var response = await user.PostAsync("/api/analyze/device?target=basic-reflective", form, Ct);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal((rows, files), await SnapshotAsync());
    }

    [Fact]
    public async Task Every_call_needs_a_login_and_the_worker_calls_need_the_service_role()
    {
        var user = await api.LoginAsync();
        var other = await api.LoginAsync("other", "other-password");
        var anonymous = api.CreateClient();
        var id = await CreateAsync(user, ("before_target", "a.tif", Tiff(17, false)), ("after_target", "b.tif", Tiff(18, false)));
        var path = $"/api/v1/quality-sessions/{id}";

        using (var form = Form(("before_target", "a.tif", Tiff(17, false)), ("after_target", "b.tif", Tiff(18, false))))
        using (var upload = await anonymous.PostAsync("/api/analyze/device?target=basic-reflective", form, Ct))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, upload.StatusCode);
        }

        foreach (var publicPath in new[] { $"/api/results/{id}", $"/api/results/{id}/measurements", $"/api/sessions/{id}", $"/api/download/{id}", $"{path}/images/a.tif" })
        {
            using var response = await anonymous.GetAsync(publicPath, Ct);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        foreach (var client in new[] { user, other })
        {
            using var started = await client.PostAsync($"{path}/started", null, Ct);
            using var image = await client.GetAsync($"{path}/images/a.tif", Ct);
            using var finished = await client.PostAsync($"{path}/finished", Report(), Ct);
            using var failed = await client.PostAsJsonAsync($"{path}/failed", new { reason = "not mine to say" }, Ct);
            Assert.All(new[] { started, image, finished, failed }, response => Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode));
        }

        using var unauthenticated = await anonymous.PostAsync($"{path}/started", null, Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, unauthenticated.StatusCode);
        Assert.Equal("created", (await user.GetFromJsonAsync<JsonElement>($"/api/sessions/{id}", Ct)).GetProperty("state").GetString());

        var worker = await api.LoginAsync("workflow-worker", ResultsApiFactory.WorkerPassword);
        using var unknown = await worker.PostAsync($"/api/v1/quality-sessions/{Guid.NewGuid()}/started", null, Ct);
        using var malformed = await worker.PostAsync("/api/v1/quality-sessions/nope/started", null, Ct);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
    }

    private async Task<Guid> CreateAsync(HttpClient client, params (string Part, string Name, byte[] Bytes)[] parts)
    {
        using var form = Form(parts);
        using var response = await client.PostAsync("/api/analyze/device?target=basic-reflective", form, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(["session_id"], body.EnumerateObject().Select(p => p.Name));
        var id = body.GetProperty("session_id").GetGuid();
        Assert.True(Directory.Exists(Path.Combine(api.StorageRoot, "quality-sessions", (await DefaultSourceAsync()).ToString(), id.ToString())));
        return id;
    }

    private static MultipartFormDataContent Form(params (string Part, string Name, byte[] Bytes)[] parts)
    {
        var form = new MultipartFormDataContent();
        foreach (var (part, name, bytes) in parts)
        {
            form.Add(new ByteArrayContent(bytes), part, name);
        }

        return form;
    }

    /// <summary>The worker's /finished body: per image its result and measurements, each JSON text as given.</summary>
    private static StringContent Report(params (string Name, string Result, string Measurements)[] images) =>
        new("{\"images\":{" + string.Join(",", images.Select(i => $"{JsonSerializer.Serialize(i.Name)}:{{\"result\":{i.Result},\"measurements\":{i.Measurements}}}")) + "}}",
            Encoding.UTF8, "application/json");

    /// <summary>A per-image value in the seed's shape: C, B, A (passed down to <paramref name="overall"/>), image_tag, overall_score.</summary>
    private static string SeedResult(string imageTag, string overall, bool indented)
    {
        JsonObject Level(bool passed)
        {
            var results = new JsonObject { ["passed"] = passed };
            foreach (var (category, metrics) in SeedMetrics)
            {
                results[category] = new JsonObject(metrics.Select(m => KeyValuePair.Create(m, (JsonNode?)(passed || m != metrics[0] ? "succeeded" : "failed"))));
            }

            return new JsonObject { ["completed"] = true, ["results"] = results };
        }

        var passedFrom = Array.IndexOf(new[] { "A", "B", "C", "None" }, overall);
        var result = new JsonObject
        {
            ["C"] = Level(passedFrom <= 2),
            ["B"] = Level(passedFrom <= 1),
            ["A"] = Level(passedFrom <= 0),
            ["image_tag"] = imageTag,
            ["overall_score"] = overall,
        };
        return result.ToJsonString(new JsonSerializerOptions { WriteIndented = indented });
    }

    private static string Measurements(double deltaE) =>
        $"{{\"Color\":{{\"Mean_Delta_E\":{{\"value\":{deltaE.ToString(System.Globalization.CultureInfo.InvariantCulture)},\"tolerance\":{{\"A\":3,\"B\":4,\"C\":5}}}}}},\"formula\":\"CIEDE2000\"}}";

    private static string Pending(string imageTag) =>
        "{\"C\":{\"completed\":false,\"results\":{\"passed\":false}},\"B\":{\"completed\":false,\"results\":{\"passed\":false}},"
        + $"\"A\":{{\"completed\":false,\"results\":{{\"passed\":false}}}},\"image_tag\":\"{imageTag}\",\"overall_score\":\"None\"}}";

    /// <summary>A short "TIFF": the header's byte order and magic, then filler; the API never decodes it.</summary>
    private static byte[] Tiff(int seed, bool bigEndian, int length = 64)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        byte[] magic = bigEndian ? [0x4D, 0x4D, 0x00, 0x2A] : [0x49, 0x49, 0x2A, 0x00];
        magic.CopyTo(bytes, 0);
        return bytes;
    }

    private static byte[] Jpeg(int seed)
    {
        var bytes = new byte[48];
        new Random(seed).NextBytes(bytes);
        new byte[] { 0xFF, 0xD8, 0xFF, 0xE0 }.CopyTo(bytes, 0);
        return bytes;
    }

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static byte[] Read(ZipArchive zip, string name)
    {
        using var entry = zip.GetEntry(name)!.Open();
        using var copy = new MemoryStream();
        entry.CopyTo(copy);
        return copy.ToArray();
    }

    private static async Task<string> GetStringAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        return await response.Content.ReadAsStringAsync(Ct);
    }

    /// <summary>The session rows and every file and folder under the sessions' storage: what a refused upload must leave as it was.</summary>
    private async Task<(int Rows, string Files)> SnapshotAsync()
    {
        await using var scope = api.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ResultsDbContext>();
        var root = Path.Combine(api.StorageRoot, "quality-sessions");
        IEnumerable<string> files = Directory.Exists(root) ? Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal) : [];
        return (await db.QualitySessions.CountAsync(Ct) + await db.QualitySessionImages.CountAsync(Ct), string.Join("\n", files));
    }

    private async Task<Guid> DefaultSourceAsync()
    {
        await using var scope = api.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ResultsDbContext>();
        return await db.Sources.Where(s => s.Name == "default").Select(s => s.Id).SingleAsync(Ct);
    }

    /// <summary>The quality-session jobs in the outbox, each committed with its session.</summary>
    private async Task<List<QualitySessionJob>> QueuedJobsAsync()
    {
        await using var scope = api.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ResultsDbContext>();
        var bodies = await db.Outbox.Where(m => m.MessageType == typeof(QualitySessionJob).FullName).Select(m => m.Body).ToListAsync(Ct);
        return [.. bodies.Select(b => JsonSerializer.Deserialize<QualitySessionJob>(b)!)];
    }
}
