using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using MediaTypeHeaderValue = Microsoft.Net.Http.Headers.MediaTypeHeaderValue;

namespace ResultsApi.Tests;

/// <summary>WADO-RS and QIDO-RS on what STOW-RS stored: the same bytes back, DICOM JSON metadata, the matching keys, another source's data invisible.</summary>
public sealed class DicomWebReadTests(ResultsApiFactory api) : IClassFixture<ResultsApiFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_series_and_an_instance_come_back_byte_for_byte_as_multipart_related()
    {
        var (client, study, series, instances, uids) = await StoreSeriesAsync();

        var seriesParts = await PartsAsync(await client.GetAsync($"/dicom-web/studies/{study}/series/{series}", Ct));
        var oneParts = await PartsAsync(await client.GetAsync($"/dicom-web/studies/{study}/series/{series}/instances/{uids[1]}", Ct));
        var studyParts = await PartsAsync(await client.GetAsync($"/dicom-web/studies/{study}", Ct));

        Assert.Equal(instances, seriesParts);
        Assert.Equal([instances[1]], oneParts);
        Assert.Equal(instances, studyParts);
    }

    [Fact]
    public async Task Metadata_is_DICOM_JSON_with_the_pixel_data_as_a_bulk_data_reference()
    {
        var (client, study, series, _, uids) = await StoreSeriesAsync();

        using var response = await client.GetAsync($"/dicom-web/studies/{study}/series/{series}/metadata", Ct);

        Assert.Equal("application/dicom+json", response.Content.Headers.ContentType?.MediaType);
        var items = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.EnumerateArray().ToList();
        Assert.Equal(uids, items.Select(i => i.GetProperty("00080018").GetProperty("Value")[0].GetString()));
        Assert.EndsWith($"/instances/{uids[0]}/frames/1", items[0].GetProperty("7FE00010").GetProperty("BulkDataURI").GetString(), StringComparison.Ordinal);
        Assert.False(items[0].GetProperty("7FE00010").TryGetProperty("InlineBinary", out _));
    }

    [Fact]
    public async Task Uncompressed_frames_come_back_as_their_pixel_bytes()
    {
        var client = await api.LoginAsync();
        var (study, series, sop) = (DicomUid.Generate(), DicomUid.Generate(), DicomUid.Generate());
        var frames = Enumerable.Range(0, 3).Select(f => ImagePixels.Gray16([.. Enumerable.Range(0, 8 * 6).Select(i => (ushort)((f * 1000) + i))], 8, 6)).ToList();
        var dataset = DicomImages.MultiFrameSecondaryCapture(new PatientStudy("P-FR", "Frames^Test", study, DateTimeOffset.UnixEpoch), new ImageSeries(series, 1, "OT"), 1,
            frames, DateTimeOffset.UnixEpoch, sop);
        using var stream = new MemoryStream();
        DicomFile.Create(dataset).Save(stream);
        (await client.PostAsync("/dicom-web/studies", StowTests.Related(stream.ToArray()), Ct)).Dispose();
        var url = $"/dicom-web/studies/{study}/series/{series}/instances/{sop}/frames";

        var parts = await PartsAsync(await client.GetAsync($"{url}/3,1", Ct), "application/octet-stream");
        using var beyond = await client.GetAsync($"{url}/4", Ct);
        using var zero = await client.GetAsync($"{url}/0", Ct);

        Assert.Equal([frames[2].Bytes, frames[0].Bytes], parts);
        Assert.Equal(HttpStatusCode.NotFound, beyond.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, zero.StatusCode);
    }

    [Theory]
    [InlineData("dcmcrle", "", "image/dicom-rle", "1.2.840.10008.1.2.5")]
    [InlineData("dcmcjpeg", "+e1", "image/jpeg", "1.2.840.10008.1.2.4.70")]
    // Fragments of 1 KiB: several per frame, found through the Basic Offset Table.
    [InlineData("dcmcjpeg", "+e1 +fs 1", "image/jpeg", "1.2.840.10008.1.2.4.70")]
    public async Task Compressed_frames_come_back_as_stored_in_their_media_type_as_pydicom_splits_them(string tool, string option, string mediaType, string syntax)
    {
        var client = await api.LoginAsync();
        var (study, series, sop) = (DicomUid.Generate(), DicomUid.Generate(), DicomUid.Generate());
        var frames = Enumerable.Range(0, 3).Select(f => ImagePixels.Gray16([.. Enumerable.Range(0, 48 * 40).Select(i => (ushort)(((i * 7919) + (f * 104729)) % 65536))], 48, 40))
            .ToList();
        var folder = Directory.CreateTempSubdirectory("frames-").FullName;
        var plain = Path.Combine(folder, "plain.dcm");
        var compressed = Path.Combine(folder, "compressed.dcm");
        DicomFile.Create(DicomImages.MultiFrameSecondaryCapture(new PatientStudy("P-FR", "Frames^Test", study, DateTimeOffset.UnixEpoch), new ImageSeries(series, 1, "OT"), 1,
            frames, DateTimeOffset.UnixEpoch, sop)).Save(plain);
        Imaging.TestSupport.ExternalTool.Run(tool, [.. option.Split(' ', StringSplitOptions.RemoveEmptyEntries), plain, compressed]);
        // pydicom's own frame splitting of the same file is what the parts must hold.
        var expected = Imaging.TestSupport.ExternalTool.Run("/usr/bin/python3", "-c",
            "import sys,pydicom;from pydicom.encaps import generate_pixel_data_frame as g;d=pydicom.dcmread(sys.argv[1]);"
            + "print(' '.join(f.hex() for f in g(d.PixelData, int(d.NumberOfFrames))))", compressed).Split(' ').Select(Convert.FromHexString).ToList();
        (await client.PostAsync("/dicom-web/studies", StowTests.Related(await File.ReadAllBytesAsync(compressed, Ct)), Ct)).Dispose();
        var url = $"/dicom-web/studies/{study}/series/{series}/instances/{sop}/frames";

        var parts = await PartsAsync(await client.GetAsync($"{url}/2,3", Ct), $"{mediaType}; transfer-syntax={syntax}");
        using var octets = new HttpRequestMessage(HttpMethod.Get, $"{url}/1") { Headers = { { "Accept", "multipart/related; type=\"application/octet-stream\"" } } };
        using var notTranscoded = await client.SendAsync(octets, Ct);

        Assert.Equal(3, expected.Count);
        Assert.Equal([expected[1], expected[2]], parts);
        Assert.Equal(HttpStatusCode.NotAcceptable, notTranscoded.StatusCode);
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task QIDO_RS_matches_on_the_standard_keys_with_wildcards_date_ranges_and_paging()
    {
        var (client, study, series, _, uids) = await StoreSeriesAsync();

        async Task<List<JsonElement>> Search(string query) =>
            [.. JsonDocument.Parse(await client.GetStringAsync(query, Ct)).RootElement.EnumerateArray()];

        var byPatient = await Search($"/dicom-web/studies?PatientID=P-READ&StudyInstanceUID={study}");
        var byWildcard = await Search($"/dicom-web/studies?PatientName=Read*&StudyInstanceUID={study}");
        var byTag = await Search($"/dicom-web/studies?00100020=P-READ&StudyInstanceUID={study}");
        var inRange = await Search($"/dicom-web/studies?StudyDate=19691231-19700102&StudyInstanceUID={study}");
        var outOfRange = await Search($"/dicom-web/studies?StudyDate=19800101-&StudyInstanceUID={study}");
        var seriesOfStudy = await Search($"/dicom-web/studies/{study}/series");
        var instances = await Search($"/dicom-web/studies/{study}/series/{series}/instances");
        var paged = await Search($"/dicom-web/studies/{study}/series/{series}/instances?limit=1&offset=1");

        Assert.Single(byPatient);
        Assert.Equal("3", byPatient[0].GetProperty("00201208").GetProperty("Value")[0].ToString());
        Assert.Equal(["OT"], byPatient[0].GetProperty("00080061").GetProperty("Value").EnumerateArray().Select(v => v.GetString()));
        Assert.Single(byWildcard);
        Assert.Single(byTag);
        Assert.Single(inRange);
        Assert.Empty(outOfRange);
        Assert.Equal(series, Assert.Single(seriesOfStudy).GetProperty("0020000E").GetProperty("Value")[0].GetString());
        Assert.Equal(uids, instances.Select(i => i.GetProperty("00080018").GetProperty("Value")[0].GetString()));
        Assert.Equal(uids[1], Assert.Single(paged).GetProperty("00080018").GetProperty("Value")[0].GetString());
    }

    [Fact]
    public async Task Includefield_adds_the_named_attributes_from_the_stored_instances_and_all_adds_every_one_but_the_pixels()
    {
        var (client, study, series, _, _) = await StoreSeriesAsync();

        var named = JsonDocument.Parse(await client.GetStringAsync($"/dicom-web/studies/{study}/series/{series}/instances?includefield=Rows,00280011", Ct)).RootElement;
        var all = JsonDocument.Parse(await client.GetStringAsync($"/dicom-web/studies/{study}/series?includefield=all", Ct)).RootElement;
        var plain = JsonDocument.Parse(await client.GetStringAsync($"/dicom-web/studies/{study}/series", Ct)).RootElement;
        using var unknown = await client.GetAsync($"/dicom-web/studies/{study}/series?includefield=FavouriteColour", Ct);

        Assert.Equal(3, named.GetArrayLength());
        Assert.All(named.EnumerateArray(), i =>
        {
            Assert.Equal(16, i.GetProperty("00280010").GetProperty("Value")[0].GetInt32());
            Assert.Equal(16, i.GetProperty("00280011").GetProperty("Value")[0].GetInt32());
            Assert.False(i.TryGetProperty("00280100", out _));
        });
        var seriesWithAll = Assert.Single(all.EnumerateArray());
        Assert.True(seriesWithAll.TryGetProperty("00280100", out _));
        Assert.False(seriesWithAll.TryGetProperty("7FE00010", out _));
        Assert.False(Assert.Single(plain.EnumerateArray()).TryGetProperty("00280010", out _));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
    }

    [Fact]
    public async Task Bad_queries_are_refused_and_another_sources_studies_do_not_exist_for_you()
    {
        var (_, study, series, _, _) = await StoreSeriesAsync();
        var client = await api.LoginAsync();
        var other = await api.LoginAsync("other", "other-password");

        using var unknownKey = await client.GetAsync("/dicom-web/studies?FavouriteColour=blue", Ct);
        using var badDate = await client.GetAsync("/dicom-web/studies?StudyDate=yesterday", Ct);
        using var badUid = await client.GetAsync("/dicom-web/studies/1.2.x/series", Ct);
        using var badRetrieveUid = await client.GetAsync("/dicom-web/studies/1..2", Ct);
        using var foreignRetrieve = await other.GetAsync($"/dicom-web/studies/{study}/series/{series}", Ct);
        var foreignSearch = JsonDocument.Parse(await other.GetStringAsync($"/dicom-web/studies?StudyInstanceUID={study}", Ct)).RootElement;

        Assert.Equal(HttpStatusCode.BadRequest, unknownKey.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badDate.StatusCode);
        Assert.Equal(HttpStatusCode.OK, badUid.StatusCode); // a search for a study that cannot exist finds nothing
        Assert.Equal("[]", await badUid.Content.ReadAsStringAsync(Ct));
        Assert.Equal(HttpStatusCode.BadRequest, badRetrieveUid.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, foreignRetrieve.StatusCode);
        Assert.Equal(0, foreignSearch.GetArrayLength());
    }

    private async Task<(HttpClient Client, string Study, string Series, List<byte[]> Instances, List<string> Uids)> StoreSeriesAsync()
    {
        var client = await api.LoginAsync();
        var (study, series) = (DicomUid.Generate(), DicomUid.Generate());
        List<byte[]> instances = [];
        List<string> uids = [];
        for (var n = 1; n <= 3; n++)
        {
            var sopInstanceUid = DicomUid.Generate();
            var dataset = DicomImages.SecondaryCapture(new PatientStudy("P-READ", "Read^Test", study, DateTimeOffset.UnixEpoch),
                new ImageSeries(series, 1, "OT"), n, ImagePixels.Gray16([.. Enumerable.Range(0, 16 * 16).Select(i => (ushort)(i + n))], 16, 16),
                DateTimeOffset.UnixEpoch, sopInstanceUid);
            using var stream = new MemoryStream();
            DicomFile.Create(dataset).Save(stream);
            instances.Add(stream.ToArray());
            uids.Add(sopInstanceUid);
        }

        using var stored = await client.PostAsync("/dicom-web/studies", StowTests.Related([.. instances]), Ct);
        Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        return (client, study, series, instances, uids);
    }

    internal static async Task<List<byte[]>> PartsAsync(HttpResponseMessage response, string partType = "application/dicom")
    {
        using (response)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var type = MediaTypeHeaderValue.Parse(response.Content.Headers.ContentType!.ToString());
            Assert.Equal("multipart/related", type.MediaType.ToString());
            var reader = new MultipartReader(HeaderUtilities.RemoveQuotes(type.Boundary).ToString(), await response.Content.ReadAsStreamAsync(Ct));
            List<byte[]> parts = [];
            while (await reader.ReadNextSectionAsync(Ct) is { } section)
            {
                Assert.Equal(partType, section.ContentType);
                using var buffer = new MemoryStream();
                await section.Body.CopyToAsync(buffer, Ct);
                parts.Add(buffer.ToArray());
            }

            return parts;
        }
    }
}
