using System.Diagnostics;
using Imaging.LocalServers;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace ResultsApi.Tests;

/// <summary>ResultsApi on Kestrel with FileFront on, and Debian's nginx in front of it as the app host configures it.</summary>
public sealed class FileFrontFactory : ResultsApiFactory
{
    public FileFrontFactory(TestServers servers)
        : base(servers)
    {
        UseKestrel(0);
    }

    public NginxFront Front { get; } = new();

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        var kestrel = new Uri(Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        await Front.StartAsync(kestrel, StorageRoot);
    }

    public override async ValueTask DisposeAsync()
    {
        Front.Dispose();
        await base.DisposeAsync();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("FileFront:Enabled", "true");
    }
}

/// <summary>
/// A file GET through nginx: ResultsApi authorises it exactly as before and answers X-Accel-Redirect; nginx sends the
/// bytes (sendfile), answers Range itself and keeps ResultsApi's headers. Refusals are ResultsApi's, unchanged, and a
/// request that did not come through the front is served by ResultsApi as it always was.
/// </summary>
public sealed class FileFrontTests(FileFrontFactory api) : IClassFixture<FileFrontFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Through_the_front_nginx_sends_the_exact_bytes_with_ResultsApis_headers()
    {
        var (direct, url, bytes) = await UploadAsync("front.dcm");
        using var client = ThroughFront(direct);

        using var response = await client.GetAsync(url, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(bytes, await response.Content.ReadAsByteArrayAsync(Ct));
        Assert.Equal("application/dicom", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("inline", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("front.dcm", response.Content.Headers.ContentDisposition?.FileName);
        Assert.Contains("no-transform", response.Headers.CacheControl?.ToString(), StringComparison.Ordinal);
        using var fromResultsApi = await direct.GetAsync(url, Ct);
        foreach (var header in new[] { "X-Content-Type-Options", "X-Frame-Options", "Content-Security-Policy", "Referrer-Policy", "Cross-Origin-Resource-Policy" })
        {
            Assert.Equal(fromResultsApi.Headers.GetValues(header).Single(), response.Headers.GetValues(header).Single());
        }

        Assert.Equal("bytes", response.Headers.AcceptRanges.Single());
        Assert.False(response.Headers.Contains("X-Accel-Redirect"));
        // nginx sent it from disk: its ETag is the file's modification time and size in hex, not ResultsApi's format.
        var file = new FileInfo(Path.Combine(api.StorageRoot, url.Split('/', 6)[^1]));
        Assert.Equal($"\"{new DateTimeOffset(file.LastWriteTimeUtc).ToUnixTimeSeconds():x}-{file.Length:x}\"", response.Headers.ETag?.Tag);
    }

    [Fact]
    public async Task ResultsApi_names_the_file_to_the_front_and_sends_no_bytes()
    {
        var (direct, url, _) = await UploadAsync("named.dcm");
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Add("X-Sendfile-Type", "X-Accel-Redirect");

        using var response = await direct.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("/_files/" + url.Split('/', 6)[^1], response.Headers.GetValues("X-Accel-Redirect").Single());
        Assert.Equal("application/dicom", response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync(Ct));
    }

    [Fact]
    public async Task Through_the_front_a_range_is_206_with_exactly_those_bytes()
    {
        var (direct, url, bytes) = await UploadAsync("range.dcm");
        using var client = ThroughFront(direct);
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Range = new RangeHeaderValue(128, 1151);

        using var response = await client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal(bytes[128..1152], await response.Content.ReadAsByteArrayAsync(Ct));
        Assert.Equal($"bytes 128-1151/{bytes.Length}", response.Content.Headers.ContentRange?.ToString());
    }

    [Fact]
    public async Task Through_the_front_refusals_are_ResultsApis_and_carry_no_bytes()
    {
        var (direct, url, _) = await UploadAsync("private.dcm");
        using var anonymous = ThroughFront(null);
        using var other = ThroughFront(await api.LoginAsync("other", "other-password"));
        using var owner = ThroughFront(direct);

        using var noToken = await anonymous.GetAsync(url, Ct);
        using var otherSource = await other.GetAsync(url, Ct);
        using var missing = await owner.GetAsync(url.Replace("private.dcm", "absent.dcm", StringComparison.Ordinal), Ct);
        using var internalPath = await owner.GetAsync("/_files/" + url.Split('/', 6)[^1], Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, noToken.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, otherSource.StatusCode);
        Assert.Equal("application/problem+json", otherSource.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
        // The internal location answers only ResultsApi's redirects, never a client.
        Assert.Equal(HttpStatusCode.NotFound, internalPath.StatusCode);
    }

    [Fact]
    public async Task Without_the_front_ResultsApi_serves_the_file_itself()
    {
        var (direct, url, bytes) = await UploadAsync("direct.dcm");

        using var response = await direct.GetAsync(url, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("X-Accel-Redirect"));
        Assert.Equal(bytes, await response.Content.ReadAsByteArrayAsync(Ct));
    }

    private HttpClient ThroughFront(HttpClient? authenticated)
    {
        var client = new HttpClient { BaseAddress = api.Front.Address };
        client.DefaultRequestHeaders.Authorization = authenticated?.DefaultRequestHeaders.Authorization;
        return client;
    }

    private async Task<(HttpClient Client, string Url, byte[] Bytes)> UploadAsync(string name)
    {
        var client = await api.LoginAsync();
        var (_, workflow, task) = await ResultsApiFactory.CreateHierarchyAsync(client);
        var result = await TaskResultsTests.CreateAsync(client, task);
        var bytes = SampleInstances.SecondaryCapture("Front^Test");
        using var upload = await client.PutAsync($"/api/v1/exam/result/{result}/files/{name}", new ByteArrayContent(bytes), Ct);
        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        return (client, $"/api/v1/exam/dcm/{workflow}/{task}/{result}/{name}", bytes);
    }
}

/// <summary>Debian's nginx as a front, configured as the app host configures its resultsapi-front (FileFrontConfig).</summary>
public sealed class NginxFront : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("nginx-front-").FullName;
    private readonly StringBuilder _errors = new();
    private Process? _nginx;

    public Uri Address { get; private set; } = null!;

    public async Task StartAsync(Uri upstream, string storageRoot)
    {
        const string Binary = "/usr/sbin/nginx";
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException("nginx is not installed: scripts/prerequisites.sh test installs it (apt-get install nginx).");
        }

        var port = AppHostTesting.FreePort();
        Address = new Uri($"http://127.0.0.1:{port}");
        var config = Path.Combine(_directory, "nginx.conf");
        await File.WriteAllTextAsync(config, new FileFrontConfig
        {
            Listen = $"127.0.0.1:{port}",
            Upstream = upstream.Authority,
            StorageRoot = Path.GetFullPath(storageRoot),
            WorkDirectory = _directory,
            WorkerProcesses = 1,
            // The storage root is in a folder only its owner may enter: as root, nginx's workers would otherwise be nobody.
            User = Environment.UserName == "root" ? "root" : null,
        }.Render());
        _nginx = Process.Start(new ProcessStartInfo(Binary, ["-p", _directory, "-c", config, "-e", "stderr"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        })!;
        _nginx.ErrorDataReceived += (_, line) =>
        {
            lock (_errors)
            {
                _errors.AppendLine(line.Data);
            }
        };
        _nginx.BeginErrorReadLine();
        using var probe = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(2) };
        for (var attempt = 0; attempt < 100; attempt++)
        {
            try
            {
                using var healthy = await probe.GetAsync(FileFrontConfig.HealthPath);
                healthy.EnsureSuccessStatusCode();
                return;
            }
            catch (HttpRequestException) when (!_nginx.HasExited)
            {
                await Task.Delay(100);
            }
        }

        lock (_errors)
        {
            throw new InvalidOperationException($"nginx did not answer on {Address}: {_errors}");
        }
    }

    public void Dispose()
    {
        if (_nginx is { HasExited: false })
        {
            _nginx.Kill(entireProcessTree: true);
            _nginx.WaitForExit(5000);
        }

        _nginx?.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
