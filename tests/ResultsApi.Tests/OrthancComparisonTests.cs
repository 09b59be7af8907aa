using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using MediaTypeHeaderValue = Microsoft.Net.Http.Headers.MediaTypeHeaderValue;

namespace ResultsApi.Tests;

/// <summary>Our DICOMweb against Orthanc's on the same instances: both store them, both give back the same bytes, and QIDO agrees on the shared keys.</summary>
public sealed class OrthancComparisonTests(ResultsApiFactory api, OrthancPeer orthanc) : IClassFixture<ResultsApiFactory>, IClassFixture<OrthancPeer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_same_instances_stored_in_both_come_back_byte_identical_and_QIDO_agrees()
    {
        var ours = await api.LoginAsync();
        var (study, series) = (DicomUid.Generate(), DicomUid.Generate());
        var instances = Enumerable.Range(1, 3).Select(n => StowTests.Instance(study, series, n, out _)).ToArray();

        using (var stored = await ours.PostAsync("/dicom-web/studies", StowTests.Related(instances), Ct))
        using (var theirs = await orthanc.Client.PostAsync("/dicom-web/studies", StowTests.Related(instances), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
            Assert.Equal(HttpStatusCode.OK, theirs.StatusCode);
        }

        var fromUs = await PartsAsync(await ours.GetAsync($"/dicom-web/studies/{study}/series/{series}", Ct));
        var fromOrthanc = await PartsAsync(await orthanc.Client.GetAsync($"/dicom-web/studies/{study}/series/{series}", Ct));
        Assert.Equal(instances.Order(ByteOrder.Instance), fromUs.Order(ByteOrder.Instance));
        Assert.Equal(instances.Order(ByteOrder.Instance), fromOrthanc.Order(ByteOrder.Instance));

        foreach (var (query, keys) in new[]
        {
            ($"/dicom-web/studies?StudyInstanceUID={study}", new[] { "0020000D", "00100020", "00080020", "00080050", "00201206", "00201208" }),
            ($"/dicom-web/studies/{study}/series", new[] { "0020000E", "00080060", "00201209" }),
            ($"/dicom-web/studies/{study}/series/{series}/instances", new[] { "00080016", "00080018", "00200013" }),
        })
        {
            var mine = Values(await ours.GetStringAsync(query, Ct), keys);
            var reference = Values(await orthanc.Client.GetStringAsync(query.Replace("/dicom-web/studies?", "/dicom-web/studies?includefield=00201206&includefield=00201208&", StringComparison.Ordinal), Ct), keys);
            Assert.Equal(reference, mine);
        }
    }

    // Each match as "key=value" lines for the given keys, sorted, so the order of matches and of fields does not matter.
    private static List<string> Values(string json, string[] keys) =>
        [.. JsonDocument.Parse(json).RootElement.EnumerateArray()
            .Select(item => string.Join(";", keys.Select(k => $"{k}={(item.TryGetProperty(k, out var e) && e.TryGetProperty("Value", out var v) ? string.Join("\\", v.EnumerateArray().Select(x => x.ToString())) : "")}")))
            .Order(StringComparer.Ordinal)];

    private static async Task<List<byte[]>> PartsAsync(HttpResponseMessage response)
    {
        using (response)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var type = MediaTypeHeaderValue.Parse(response.Content.Headers.ContentType!.ToString());
            var reader = new MultipartReader(HeaderUtilities.RemoveQuotes(type.Boundary).ToString(), await response.Content.ReadAsStreamAsync(Ct));
            List<byte[]> parts = [];
            while (await reader.ReadNextSectionAsync(Ct) is { } section)
            {
                using var buffer = new MemoryStream();
                await section.Body.CopyToAsync(buffer, Ct);
                parts.Add(buffer.ToArray());
            }

            return parts;
        }
    }

    private sealed class ByteOrder : IComparer<byte[]>
    {
        public static readonly ByteOrder Instance = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}
