using System.Diagnostics;

namespace ResultsApi.Tests;

/// <summary>ResultsApi storing onto a real, tiny disk: a 1 MiB tmpfs mounted for this class (root only, as CI runs).</summary>
public sealed class FullDiskResultsApiFactory(TestServers servers) : ResultsApiFactory(servers)
{
    public string DiskRoot { get; } = Path.Combine(Path.GetTempPath(), "resultsapi-full-disk", Guid.NewGuid().ToString("N"));

    /// <summary>Null when the tmpfs is mounted; else why not (no root, or no right to mount here).</summary>
    public string? NotMounted { get; private set; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        Directory.CreateDirectory(DiskRoot);
        using var mount = Process.Start(new ProcessStartInfo("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", DiskRoot]) { RedirectStandardError = true })!;
        mount.WaitForExit();
        NotMounted = mount.ExitCode == 0 ? null : $"mount -t tmpfs failed: {mount.StandardError.ReadToEnd().Trim()}";
        builder.UseSetting("Storage:Root", DiskRoot);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (NotMounted is null)
        {
            using var unmount = Process.Start("umount", [DiskRoot]);
            unmount.WaitForExit();
        }

        Directory.Delete(DiskRoot, recursive: true);
    }
}

/// <summary>
/// STOW-RS onto a disk that fills up mid-request: the instances that fit are stored and served byte for byte, those
/// that do not are in the Failed SOP Sequence as Out of Resources (A700), and nothing half-written stays on the disk.
/// </summary>
public sealed class StowDiskFullTests(FullDiskResultsApiFactory api) : IClassFixture<FullDiskResultsApiFactory>
{
    private const int OutOfResources = 0xA700;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_full_disk_stores_what_fits_reports_the_rest_and_leaves_no_partial_file()
    {
        Assert.SkipWhen(api.NotMounted is not null, api.NotMounted ?? "");
        var client = await api.LoginAsync();
        var (study, series) = (DicomUid.Generate(), DicomUid.Generate());
        // Three instances of about 400 kB: two fit in 1 MiB, the third cannot.
        var instances = Enumerable.Range(1, 3).Select(n => Large(study, series, n)).ToList();

        using var response = await client.PostAsync($"/dicom-web/studies/{study}", StowTests.Related([.. instances.Select(i => i.Bytes)]), Ct);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal(2, body.GetProperty("00081199").GetProperty("Value").GetArrayLength());
        var failed = Assert.Single(body.GetProperty("00081198").GetProperty("Value").EnumerateArray());
        Assert.Equal(OutOfResources, failed.GetProperty("00081197").GetProperty("Value")[0].GetInt32());
        foreach (var (uid, bytes) in instances.Take(2))
        {
            var parts = await DicomWebReadTests.PartsAsync(await client.GetAsync($"/dicom-web/studies/{study}/series/{series}/instances/{uid}", Ct));
            Assert.Equal(bytes, Assert.Single(parts));
        }

        using (var missing = await client.GetAsync($"/dicom-web/studies/{study}/series/{series}/instances/{instances[2].Uid}", Ct))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }

        // On the disk: the two instances whole, no staged or temporary leftovers.
        var files = Directory.GetFiles(api.DiskRoot, "*", SearchOption.AllDirectories);
        Assert.Equal(2, files.Length);
        Assert.All(files, f => Assert.EndsWith(".dcm", f, StringComparison.Ordinal));
        Assert.DoesNotContain(files, f => f.Contains(".incoming", StringComparison.Ordinal));
    }

    private static (string Uid, byte[] Bytes) Large(string study, string series, int number)
    {
        var uid = DicomUid.Generate();
        var pixels = Enumerable.Range(0, 640 * 625).Select(i => (byte)(i * number)).ToArray();
        var dataset = DicomImages.SecondaryCapture(new PatientStudy("P-FULL", "Full^Disk", study, DateTimeOffset.UnixEpoch), new ImageSeries(series, 1, "OT"), number,
            ImagePixels.Gray8(pixels, 625, 640), DateTimeOffset.UnixEpoch, uid);
        using var stream = new MemoryStream();
        DicomFile.Create(dataset).Save(stream);
        return (uid, stream.ToArray());
    }
}
