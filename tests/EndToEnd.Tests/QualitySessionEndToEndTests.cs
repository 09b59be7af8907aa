using System.IO.Compression;
using System.Text.Json.Nodes;
using Imaging.Contracts.QualityTargets;
using Imaging.WorkflowWorker.QualityAnalysis.Images;
using Imaging.WorkflowWorker.QualityAnalysis.Targets;

namespace EndToEnd.Tests;

/// <summary>
/// Image-quality sessions through the whole application: a digitisation batch's before and after target images are
/// uploaded to ResultsApi, measured by WorkflowWorker over the bus, and read back in the seed's exact shape; a
/// truncated image fails its session with the reason and the worker goes on with the next.
/// </summary>
[Collection(WholeApplicationCollection.Name)]
public sealed class QualitySessionEndToEndTests(WholeApplication whole)
{
    private static readonly QualityTarget Target = QualityTargetCatalogue.Find("basic-reflective")!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_session_is_measured_and_answers_the_seeds_body()
    {
        var client = await whole.LoginAsync(Ct);
        var before = TargetImageWriter.Tiff(TargetRenderer.Render(Target, 100));
        // The after scan is noisier: RMS L* 1.8 passes B (2.0) but not A (1.6).
        var after = TargetImageWriter.Tiff(TargetRenderer.Render(Target, 100, new RenderDefects { NoiseL = 1.8, Seed = 5 }));
        var batch = TargetImageWriter.Jpeg(TargetRenderer.Render(Target, 30));

        var sessionId = await UploadAsync(client, ("before_target", "UTT.tif", before), ("after_target", "UTT.tif", after), ("files[]", "page-001.jpg", batch));
        var state = await WaitForEndAsync(client, sessionId);
        Assert.Equal("finished", state.GetProperty("state").GetString());

        using var response = await client.GetAsync($"/api/results/{sessionId}", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var results = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!.AsObject();
        // The after image shares the before image's name, so it is stored under the session id's first four hex digits.
        var renamed = $"{sessionId.ToString("N")[..4]}-UTT.tif";
        Assert.Equal(["UTT.tif", renamed], results.Select(p => p.Key));
        var seed = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Seeds", "quality-session-passing-image.json"), Ct))!;
        Assert.Equal(seed.ToJsonString(), results["UTT.tif"]!.ToJsonString());

        var noisy = results[renamed]!;
        Assert.Equal("after_target", noisy["image_tag"]!.GetValue<string>());
        Assert.Equal("B", noisy["overall_score"]!.GetValue<string>());
        Assert.False(noisy["A"]!["results"]!["passed"]!.GetValue<bool>());
        Assert.Equal("failed", noisy["A"]!["results"]!["Noise"]!["Visual_Noise"]!.GetValue<string>());
        Assert.Equal(seed["B"]!.ToJsonString(), noisy["B"]!.ToJsonString());

        using var measurements = JsonDocument.Parse(await client.GetStringAsync($"/api/results/{sessionId}/measurements", Ct));
        var noise = measurements.RootElement.GetProperty("images").GetProperty(renamed).GetProperty("metrics").EnumerateArray()
            .Single(m => m.GetProperty("name").GetString() == "Visual_Noise");
        Assert.InRange(noise.GetProperty("value").GetDouble(), 1.8 * 0.95, 1.8 * 1.05);
        Assert.Equal(1.6, noise.GetProperty("tolerances").GetProperty("A").GetDouble());

        using var zip = new ZipArchive(new MemoryStream(await client.GetByteArrayAsync($"/api/download/{sessionId}", Ct)));
        Assert.Equal(before, await ReadAsync(zip, "images/UTT.tif"));
        Assert.Equal(after, await ReadAsync(zip, $"images/{renamed}"));
        Assert.Equal(batch, await ReadAsync(zip, "files/page-001.jpg"));
        Assert.Equal(results.ToJsonString(), JsonNode.Parse(await ReadAsync(zip, "results.json"))!.ToJsonString());
    }

    [Fact]
    public async Task A_truncated_image_or_one_without_the_target_fails_its_session_with_the_reason_and_the_worker_goes_on()
    {
        var client = await whole.LoginAsync(Ct);
        var whole16 = TargetImageWriter.Tiff(TargetRenderer.Render(Target, 100));

        // The writer puts the TIFF directory after the strips, so half the file has strips but no directory.
        var broken = await UploadAsync(client, ("before_target", "before.tif", whole16), ("after_target", "after.tif", whole16[..(whole16.Length / 2)]));
        var blank = TargetImageWriter.Tiff(new TargetImage(600, 400, 3, Enumerable.Repeat((ushort)60000, 600 * 400 * 3).ToArray(), 16, 100,
            Imaging.WorkflowWorker.QualityAnalysis.Colour.ColourSpace.Srgb));
        var noTarget = await UploadAsync(client, ("before_target", "blank.tif", blank), ("after_target", "after.tif", whole16));
        var next = await UploadAsync(client, ("before_target", "before.tif", whole16), ("after_target", "after.tif", whole16));

        var failed = await WaitForEndAsync(client, broken);
        Assert.Equal("failed", failed.GetProperty("state").GetString());
        var reason = failed.GetProperty("reason").GetString()!;
        Assert.True(reason.StartsWith("after.tif: The TIFF cannot be opened: ", StringComparison.Ordinal), reason);
        using (var pending = JsonDocument.Parse(await client.GetStringAsync($"/api/results/{broken}", Ct)))
        {
            Assert.False(pending.RootElement.GetProperty("before.tif").GetProperty("A").GetProperty("completed").GetBoolean());
        }

        var notFound = await WaitForEndAsync(client, noTarget);
        Assert.Equal("failed", notFound.GetProperty("state").GetString());
        Assert.Equal("blank.tif: The target 'basic-reflective' was not found in the image: 0 of its 9 fiducial marks were seen where its layout puts them (0 dark round mark(s) in the image).",
            notFound.GetProperty("reason").GetString());
        Assert.Equal("finished", (await WaitForEndAsync(client, next)).GetProperty("state").GetString());
        using var unknown = await client.GetAsync($"/api/results/{Guid.NewGuid()}", Ct);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("{\"error\":\"session does not exist\"}", JsonNode.Parse(await unknown.Content.ReadAsStringAsync(Ct))!.ToJsonString());
    }

    private static async Task<Guid> UploadAsync(HttpClient client, params (string Part, string Name, byte[] Bytes)[] files)
    {
        using var form = new MultipartFormDataContent();
        foreach (var (part, name, bytes) in files)
        {
            form.Add(new ByteArrayContent(bytes) { Headers = { ContentType = new MediaTypeHeaderValue("application/octet-stream") } }, part, name);
        }

        using var response = await client.PostAsync($"/api/analyze/device?target={Target.Id}", form, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("session_id").GetGuid();
    }

    /// <summary>Polls the session until it is finished or failed; on the way only created and running are acceptable.</summary>
    private static async Task<JsonElement> WaitForEndAsync(HttpClient client, Guid sessionId)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (true)
        {
            using var session = JsonDocument.Parse(await client.GetStringAsync($"/api/sessions/{sessionId}", Ct));
            var state = session.RootElement.GetProperty("state").GetString();
            if (state is "finished" or "failed")
            {
                return session.RootElement.Clone();
            }

            Assert.True(state is "created" or "running", $"session {sessionId} is {state}");
            Assert.True(DateTime.UtcNow < deadline, $"session {sessionId} still {state} after 90 s");
            await Task.Delay(250, Ct);
        }
    }

    private static async Task<byte[]> ReadAsync(ZipArchive zip, string name)
    {
        var entry = zip.GetEntry(name);
        Assert.True(entry is not null, $"the zip has no {name}: {string.Join(", ", zip.Entries.Select(e => e.FullName))}");
        using var stream = entry.Open();
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, Ct);
        return buffer.ToArray();
    }
}
