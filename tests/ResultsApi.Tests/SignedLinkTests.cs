using Imaging.ResultsApi.Auth;

namespace ResultsApi.Tests;

/// <summary>
/// The signed result file links (/results/files/{source_id}/{series}/{filename}?expires=…&amp;signature=…): any change to
/// the path, the expiry or the signature, a replay after expiry and a link moved to another source are refused with the
/// vendor's 403, never the file. (SeriesResultsTests covers a swapped file name and a link 16 minutes old.)
/// </summary>
public sealed class SignedLinkTests(ResultsApiFactory api) : IClassFixture<ResultsApiFactory>
{
    private const string Denied = "{\"success\":false,\"message\":\"Access denied!\"}";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_link_changed_in_any_part_is_refused_and_the_untouched_link_works()
    {
        var (a, b) = await SourcesAsync();
        var (series, otherSeries) = (DicomUid.Generate(), DicomUid.Generate());
        // The same names exist everywhere the tampered links point, so a refusal is the signature's doing, not a missing file.
        foreach (var (source, uid) in new[] { (a, series), (b, series), (a, otherSeries) })
        {
            await WriteAsync(source, uid, "report.json", $"report of {source}/{uid}");
            await WriteAsync(source, uid, "preview-001.dcm", "preview");
        }

        var link = Sign($"/results/files/{a}/{series}/report.json");
        var (path, expires, signature) = Parts(link);
        var flipped = signature[..10] + (signature[10] == '0' ? '1' : '0') + signature[11..];

        var tampered = new Dictionary<string, string>
        {
            ["another source's id in the path"] = link.Replace(a.ToString(), b.ToString(), StringComparison.Ordinal),
            ["the source id in upper case"] = link.Replace(a.ToString(), a.ToString().ToUpperInvariant(), StringComparison.Ordinal),
            ["another series"] = link.Replace(series, otherSeries, StringComparison.Ordinal),
            ["another file name"] = link.Replace("report.json", "preview-001.dcm", StringComparison.Ordinal),
            ["a later expiry"] = $"{path}?expires={long.Parse(expires, System.Globalization.CultureInfo.InvariantCulture) + 1}&signature={signature}",
            ["an earlier expiry"] = $"{path}?expires={long.Parse(expires, System.Globalization.CultureInfo.InvariantCulture) - 1}&signature={signature}",
            ["the expiry with a leading zero"] = $"{path}?expires=0{expires}&signature={signature}",
            ["the expiry twice"] = $"{path}?expires={expires}&expires={expires}&signature={signature}",
            ["no expiry"] = $"{path}?signature={signature}",
            ["one hex digit of the signature changed"] = $"{path}?expires={expires}&signature={flipped}",
            ["the signature truncated"] = $"{path}?expires={expires}&signature={signature[..^1]}",
            ["the signature half"] = $"{path}?expires={expires}&signature={signature[..32]}",
            ["the signature extended"] = $"{path}?expires={expires}&signature={signature}0",
            ["the signature in upper case"] = $"{path}?expires={expires}&signature={signature.ToUpperInvariant()}",
            ["an empty signature"] = $"{path}?expires={expires}&signature=",
            ["no signature"] = $"{path}?expires={expires}",
            ["the signature twice"] = $"{path}?expires={expires}&signature={signature}&signature={signature}",
            ["the signature of another file"] = $"{path}?expires={expires}&signature={Parts(Sign($"/results/files/{a}/{series}/preview-001.dcm")).Signature}",
        };

        List<string> failures = [];
        foreach (var (change, url) in tampered)
        {
            using var response = await api.CreateClient().GetAsync(url, Ct);
            var body = await response.Content.ReadAsStringAsync(Ct);
            if (response.StatusCode != HttpStatusCode.Forbidden || body != Denied)
            {
                failures.Add($"{change} ({url}): {(int)response.StatusCode} {body}");
            }
        }

        using var untouched = await api.CreateClient().GetAsync(link, Ct);
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.Equal(HttpStatusCode.OK, untouched.StatusCode);
        Assert.Equal($"report of {a}/{series}", await untouched.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task A_link_works_until_its_lifetime_ends_and_never_again()
    {
        var (a, _) = await SourcesAsync();
        var series = DicomUid.Generate();
        await WriteAsync(a, series, "report.json", "report");
        var link = Sign($"/results/files/{a}/{series}/report.json");

        api.Clock.Advance(TimeSpan.FromMinutes(15) - TimeSpan.FromSeconds(1));
        using var lastSecond = await api.CreateClient().GetAsync(link, Ct);
        api.Clock.Advance(TimeSpan.FromSeconds(2));
        using var replayed = await api.CreateClient().GetAsync(link, Ct);
        api.Clock.Advance(TimeSpan.FromDays(1));
        using var muchLater = await api.CreateClient().GetAsync(link, Ct);

        Assert.Equal(HttpStatusCode.OK, lastSecond.StatusCode);
        Assert.Equal((HttpStatusCode.Forbidden, Denied), (replayed.StatusCode, await replayed.Content.ReadAsStringAsync(Ct)));
        Assert.Equal(HttpStatusCode.Forbidden, muchLater.StatusCode);
    }

    [Fact]
    public async Task A_link_signed_for_one_source_opens_nothing_of_another_and_each_sources_own_link_opens_only_its_file()
    {
        var (a, b) = await SourcesAsync();
        var series = DicomUid.Generate();
        await WriteAsync(a, series, "report.json", "A's report");
        await WriteAsync(b, series, "report.json", "B's report");
        var linkA = Sign($"/results/files/{a}/{series}/report.json");
        var linkB = Sign($"/results/files/{b}/{series}/report.json");
        // B's path with A's expiry and signature, and the other way round.
        var moved = $"{Parts(linkB).Path}?expires={Parts(linkA).Expires}&signature={Parts(linkA).Signature}";
        var movedBack = $"{Parts(linkA).Path}?expires={Parts(linkB).Expires}&signature={Parts(linkB).Signature}";

        using var fromA = await api.CreateClient().GetAsync(linkA, Ct);
        using var fromB = await api.CreateClient().GetAsync(linkB, Ct);
        using var refused = await api.CreateClient().GetAsync(moved, Ct);
        using var refusedBack = await api.CreateClient().GetAsync(movedBack, Ct);

        Assert.Equal("A's report", await fromA.Content.ReadAsStringAsync(Ct));
        Assert.Equal("B's report", await fromB.Content.ReadAsStringAsync(Ct));
        Assert.Equal((HttpStatusCode.Forbidden, Denied), (refused.StatusCode, await refused.Content.ReadAsStringAsync(Ct)));
        Assert.Equal((HttpStatusCode.Forbidden, Denied), (refusedBack.StatusCode, await refusedBack.Content.ReadAsStringAsync(Ct)));
    }

    private string Sign(string path) => api.Services.GetRequiredService<SignedLinks>().Sign(path);

    private static (string Path, string Expires, string Signature) Parts(string link)
    {
        var query = System.Web.HttpUtility.ParseQueryString(new Uri("http://localhost" + link).Query);
        return (link[..link.IndexOf('?', StringComparison.Ordinal)], query["expires"]!, query["signature"]!);
    }

    private async Task<(Guid A, Guid B)> SourcesAsync()
    {
        await using var scope = api.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ResultsDbContext>();
        var sources = await db.Sources.ToDictionaryAsync(s => s.Name, s => s.Id, Ct);
        return (sources["default"], sources["other-hospital"]);
    }

    private async Task WriteAsync(Guid source, string series, string name, string content)
    {
        var folder = Path.Combine(api.StorageRoot, "analysis", source.ToString(), series);
        Directory.CreateDirectory(folder);
        await File.WriteAllBytesAsync(Path.Combine(folder, name), Encoding.UTF8.GetBytes(content), Ct);
    }
}
