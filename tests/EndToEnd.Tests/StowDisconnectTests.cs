using System.Net.Sockets;
using Imaging.Dicom;

namespace EndToEnd.Tests;

/// <summary>STOW-RS over a real connection that breaks mid-upload: the whole instances sent before the break are stored, the cut one leaves nothing.</summary>
[Collection(WholeApplicationCollection.Name)]
public sealed class StowDisconnectTests(WholeApplication whole)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_client_that_goes_away_mid_upload_leaves_the_whole_instances_it_sent_stored_and_no_half_instance()
    {
        using var client = await whole.LoginAsync(Ct);
        var (study, series) = (DicomUid.Generate(), DicomUid.Generate());
        var parts = Enumerable.Range(1, 3).Select(n => Instance(study, series, n)).ToList();
        const string boundary = "disconnect-test-boundary";
        var body = new MemoryStream();
        foreach (var (bytes, _) in parts)
        {
            body.Write(Encoding.ASCII.GetBytes($"--{boundary}\r\nContent-Type: application/dicom\r\n\r\n"));
            body.Write(bytes);
            body.Write("\r\n"u8);
        }

        body.Write(Encoding.ASCII.GetBytes($"--{boundary}--\r\n"));
        // Everything up to half of the third instance, then the connection closes; Content-Length promised it all.
        var whole_ = body.ToArray();
        var cut = whole_.Length - parts[2].Bytes.Length / 2 - boundary.Length - 8;

        using (var socket = new TcpClient())
        {
            await socket.ConnectAsync(client.BaseAddress!.Host, client.BaseAddress.Port, Ct);
            var stream = socket.GetStream();
            var head = $"POST /dicom-web/studies HTTP/1.1\r\nHost: {client.BaseAddress.Authority}\r\nAuthorization: {client.DefaultRequestHeaders.Authorization}\r\n"
                + $"Content-Type: multipart/related; type=\"application/dicom\"; boundary={boundary}\r\nContent-Length: {whole_.Length}\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head), Ct);
            await stream.WriteAsync(whole_.AsMemory(0, cut), Ct);
            await stream.FlushAsync(Ct);
            await Task.Delay(500, Ct);
        }

        // The server finishes the request a moment after the connection has closed.
        List<string> stored = [];
        for (var i = 0; i < 50 && stored.Count < 2; i++)
        {
            await Task.Delay(200, Ct);
            using var found = await client.GetAsync($"/dicom-web/studies/{study}/series/{series}/instances", Ct);
            stored = found.StatusCode == System.Net.HttpStatusCode.OK
                ? [.. JsonDocument.Parse(await found.Content.ReadAsStringAsync(Ct)).RootElement.EnumerateArray().Select(i => i.GetProperty("00080018").GetProperty("Value")[0].GetString()!)]
                : [];
        }

        Assert.Equal(new[] { parts[0].Uid, parts[1].Uid }.Order(), stored.Order());
        using var first = await client.GetAsync($"/dicom-web/studies/{study}/series/{series}/instances/{parts[0].Uid}", Ct);
        Assert.Contains(parts[0].Bytes, await MultipartBodiesAsync(first));
        using var third = await client.GetAsync($"/dicom-web/studies/{study}/series/{series}/instances/{parts[2].Uid}", Ct);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, third.StatusCode);
        var incoming = Path.Combine(whole.Run.DataDirectory, "storage", "dicom", ".incoming");
        Assert.True(!Directory.Exists(incoming) || Directory.GetFiles(incoming).Length == 0, "a half-written instance was left in " + incoming);
    }

    private static (byte[] Bytes, string Uid) Instance(string study, string series, int number)
    {
        var uid = DicomUid.Generate();
        var pixels = Enumerable.Range(0, 64 * 64).Select(i => (ushort)(i * number)).ToArray();
        var dataset = DicomImages.SecondaryCapture(new PatientStudy("P-CUT", "Cut^Connection", study, DateTimeOffset.UnixEpoch),
            new ImageSeries(series, 1, "OT"), number, ImagePixels.Gray16(pixels, 64, 64), DateTimeOffset.UnixEpoch, uid);
        using var stream = new MemoryStream();
        DicomFile.Create(dataset).Save(stream);
        return (stream.ToArray(), uid);
    }

    /// <summary>The parts of a multipart/related answer, byte for byte.</summary>
    private static async Task<List<byte[]>> MultipartBodiesAsync(HttpResponseMessage response)
    {
        var boundary = response.Content.Headers.ContentType!.Parameters.Single(p => p.Name == "boundary").Value!.Trim('"');
        var reader = new Microsoft.AspNetCore.WebUtilities.MultipartReader(boundary, await response.Content.ReadAsStreamAsync(Ct));
        List<byte[]> bodies = [];
        while (await reader.ReadNextSectionAsync(Ct) is { } section)
        {
            using var copy = new MemoryStream();
            await section.Body.CopyToAsync(copy, Ct);
            bodies.Add(copy.ToArray());
        }

        return bodies;
    }
}
