using System.IO.Compression;
using System.Net.Http.Headers;
using Imaging.ImagingImport.Xnat;
using Imaging.StandIns;
using Microsoft.Extensions.Options;

namespace ImagingImport.Tests;

/// <summary>The XNAT client against the XNAT stand-in (a test fixture following XNAT's documented REST behaviour).</summary>
public sealed class XnatClientTests : IAsyncLifetime
{
    private XnatStandIn _xnat = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _xnat = await XnatStandIn.StartAsync();

    public async ValueTask DisposeAsync() => await _xnat.DisposeAsync();

    [Fact]
    public async Task One_login_serves_every_call_and_an_expired_session_is_renewed_without_the_caller_noticing()
    {
        var client = Client();

        Assert.False(await client.ProjectExistsAsync("COHORT1", Ct));
        await client.CreateProjectAsync("COHORT1", autoArchive: true, Ct);
        Assert.True(await client.ProjectExistsAsync("COHORT1", Ct));
        Assert.Equal(1, _xnat.Logins);

        _xnat.ExpireSessions();
        Assert.Empty(await client.ExperimentLabelsAsync("COHORT1", Ct));
        Assert.Equal(2, _xnat.Logins);
        Assert.Equal("4", _xnat.PrearchiveCode("COHORT1"));
    }

    [Fact]
    public async Task An_imported_session_is_listed_by_its_label_and_the_same_label_again_is_a_conflict_not_a_copy()
    {
        _xnat.AddProject("COHORT2");
        var client = Client();

        var first = await client.ImportAsync("COHORT2", "SUBJ-1", "ACC-1", () => Zip(Part10(), Part10()), Ct);
        var again = await client.ImportAsync("COHORT2", "SUBJ-1", "ACC-1", () => Zip(Part10()), Ct);
        var labels = await client.ExperimentLabelsAsync("COHORT2", Ct);

        Assert.Equal(XnatImportResult.Imported, first.Result);
        Assert.Equal("/data/archive/projects/COHORT2/subjects/SUBJ-1/experiments/ACC-1", first.Detail);
        Assert.Equal(XnatImportResult.AlreadyExists, again.Result);
        Assert.Equal(["ACC-1"], labels);
        Assert.Equal(2, Assert.Single(_xnat.Experiments).Files);
    }

    [Fact]
    public async Task A_zip_with_a_file_that_is_not_DICOM_is_rejected_with_XNATs_reason()
    {
        _xnat.AddProject("COHORT3");

        var outcome = await Client().ImportAsync("COHORT3", "SUBJ-1", "ACC-9", () => Zip(Part10(), "not dicom"u8.ToArray()), Ct);

        Assert.Equal(XnatImportResult.Rejected, outcome.Result);
        Assert.Contains("as DICOM", outcome.Detail, StringComparison.Ordinal);
        Assert.Empty(_xnat.Experiments);
    }

    [Fact]
    public async Task Wrong_credentials_a_server_error_and_a_hang_each_fail_with_what_happened()
    {
        var wrong = Client(password: "not it");
        var refused = await Assert.ThrowsAsync<XnatRefusedException>(() => wrong.ProjectExistsAsync("ANY", Ct));
        Assert.Contains("check Xnat:Username and Xnat:Password", refused.Message, StringComparison.Ordinal);

        _xnat.FailureRate = 1;
        var failing = await Assert.ThrowsAsync<XnatUnavailableException>(() => Client().ProjectExistsAsync("ANY", Ct));
        Assert.Contains("503", failing.Message, StringComparison.Ordinal);

        _xnat.FailureRate = 0;
        _xnat.Hang = TimeSpan.FromSeconds(30);
        var started = DateTime.UtcNow;
        var hung = await Assert.ThrowsAsync<XnatUnavailableException>(() => Client(timeout: TimeSpan.FromSeconds(1)).ProjectExistsAsync("ANY", Ct));
        Assert.Contains("did not answer within 1 s", hung.Message, StringComparison.Ordinal);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Basic_authentication_sends_the_account_on_every_call_and_never_logs_in()
    {
        _xnat.AddProject("COHORT4");

        Assert.True(await Client(authentication: XnatAuthentication.Basic).ProjectExistsAsync("COHORT4", Ct));
        Assert.Equal(0, _xnat.Logins);
    }

    private XnatClient Client(string password = XnatStandIn.Password, TimeSpan? timeout = null, XnatAuthentication authentication = XnatAuthentication.Session)
    {
        var options = new XnatOptions
        {
            BaseUrl = _xnat.BaseAddress,
            Username = XnatStandIn.Username,
            Password = password,
            Authentication = authentication,
            Timeout = timeout ?? TimeSpan.FromSeconds(10),
        };
        return new XnatClient(new HttpClient { BaseAddress = _xnat.BaseAddress }, Options.Create(options), new XnatSession(), new XnatCaller());
    }

    private static HttpContent Zip(params byte[][] files)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            for (var i = 0; i < files.Length; i++)
            {
                using var entry = zip.CreateEntry($"{i:D4}.dcm").Open();
                entry.Write(files[i]);
            }
        }

        return new ByteArrayContent(buffer.ToArray()) { Headers = { ContentType = new MediaTypeHeaderValue("application/zip") } };
    }

    /// <summary>Enough of a Part-10 file for XNAT's check: the preamble and DICM.</summary>
    private static byte[] Part10() => [.. new byte[128], .. "DICM"u8, .. new byte[64]];
}
