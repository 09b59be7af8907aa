using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Imaging.Dicom;
using Imaging.LocalServers;
using Xunit;

namespace Imaging.TestSupport;

/// <summary>Orthanc with DICOMweb (LocalServers' AddLocalOrthanc under Aspire's DCP), for the test classes that compare against it.</summary>
public sealed class OrthancPeer : IAsyncLifetime
{
    private LocalServersApplication? _orthanc;

    /// <summary>A client for Orthanc's HTTP API with its credentials; DICOMweb is under /dicom-web/.</summary>
    public HttpClient Client { get; private set; } = null!;

    /// <summary>Orthanc's base address with its credentials as user info, as the app host hands it to a service.</summary>
    public string ConnectionString { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        _orthanc = await LocalServersApplication.StartAsync("orthanc", (builder, options) => builder.AddLocalOrthanc("orthanc", options), "orthanc");
        ConnectionString = await _orthanc.ConnectionStringAsync("orthanc");
        Client = CreateClient(ConnectionString);
    }

    /// <summary>Stores one instance through Orthanc's REST API (POST /instances).</summary>
    public static async Task StoreAsync(HttpClient orthanc, DicomDataset dataset, CancellationToken cancellationToken = default)
    {
        using var buffer = new MemoryStream();
        DicomFile.Create(dataset).Save(buffer);
        using var stored = await orthanc.PostAsync("/instances", new ByteArrayContent(buffer.ToArray()), cancellationToken);
        stored.EnsureSuccessStatusCode();
    }

    /// <summary>Deletes a study, found by its Study Instance UID, through Orthanc's REST API.</summary>
    public static async Task DeleteStudyAsync(HttpClient orthanc, string studyInstanceUid, CancellationToken cancellationToken = default)
    {
        using var ids = await orthanc.PostAsync("/tools/lookup", new StringContent(studyInstanceUid), cancellationToken);
        var id = (await ids.Content.ReadFromJsonAsync<JsonElement>(cancellationToken))[0].GetProperty("ID").GetString();
        (await orthanc.DeleteAsync($"/studies/{id}", cancellationToken)).EnsureSuccessStatusCode();
    }

    /// <summary>A client for the Orthanc whose connection string (base address with the credentials as user info) is given.</summary>
    public static HttpClient CreateClient(string connectionString)
    {
        var address = new Uri(connectionString);
        var client = new HttpClient { BaseAddress = new Uri(address.GetLeftPart(UriPartial.Authority)) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.UnescapeDataString(address.UserInfo))));
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        Client?.Dispose();
        if (_orthanc is not null)
        {
            await _orthanc.DisposeAsync();
        }
    }
}
