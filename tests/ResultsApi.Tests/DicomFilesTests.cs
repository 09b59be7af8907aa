namespace ResultsApi.Tests;

/// <summary>GET /api/v1/exam/dcm/{workflow}/{task}/{result}/{file}: Part-10 served with Range; raw datasets converted; names that could escape refused.</summary>
public sealed class DicomFilesTests(ResultsApiFactory api) : IClassFixture<ResultsApiFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_Part_10_file_is_served_whole_with_the_seeds_headers()
    {
        var (client, url, bytes) = await UploadAsync(Part10Bytes(), "ct-001.dcm");

        using var response = await client.GetAsync(url, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/dicom", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("inline", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("ct-001.dcm", response.Content.Headers.ContentDisposition?.FileName);
        Assert.Contains("no-transform", response.Headers.CacheControl?.ToString(), StringComparison.Ordinal);
        Assert.Equal("bytes", response.Headers.AcceptRanges.Single());
        Assert.False(response.Headers.ETag!.IsWeak);
        Assert.NotNull(response.Content.Headers.LastModified);
        Assert.Equal(bytes, await response.Content.ReadAsByteArrayAsync(Ct));
    }

    [Theory]
    [InlineData("bytes=0-131", 0, 132)]
    [InlineData("bytes=128-131", 128, 4)]
    [InlineData("bytes=300-999", 300, 700)]
    [InlineData("bytes=-100", -100, 100)]
    [InlineData("bytes=1000-", 1000, -1)]
    public async Task Single_ranges_answer_206_with_exactly_those_bytes(string range, int start, int length)
    {
        var (client, url, bytes) = await UploadAsync(Part10Bytes(), "range.dcm");
        var from = start < 0 ? bytes.Length + start : start;
        var count = length < 0 ? bytes.Length - from : length;

        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.TryAddWithoutValidation("Range", range);
        using var response = await client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal($"bytes {from}-{from + count - 1}/{bytes.Length}", response.Content.Headers.ContentRange?.ToString());
        Assert.Equal(bytes.AsSpan(from, count).ToArray(), await response.Content.ReadAsByteArrayAsync(Ct));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("bytes=262100-600000")]
    [InlineData("bytes=-300000")]
    public async Task A_file_larger_than_one_send_chunk_arrives_byte_exact(string? range)
    {
        // 600x600 16-bit pixels: about 720 KB, so the sender reads and flushes it in several 256 KiB chunks.
        // Random, not a pattern: a periodic pattern would hide a chunk read from the wrong offset.
        var random = new Random(20261123);
        var pixels = Enumerable.Range(0, 600 * 600).Select(_ => (ushort)random.Next(65536)).ToArray();
        var stream = new MemoryStream();
        DicomFile.Create(DicomImages.SecondaryCapture(
            new PatientStudy("P-1", "Test^Patient", DicomUid.Generate(), DateTimeOffset.UnixEpoch), new ImageSeries(DicomUid.Generate(), 1, "OT"), 1,
            ImagePixels.Gray16(pixels, 600, 600), DateTimeOffset.UnixEpoch, DicomUid.Generate())).Save(stream);
        var (client, url, bytes) = await UploadAsync(stream.ToArray(), "large.dcm");

        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (range is not null)
        {
            request.Headers.TryAddWithoutValidation("Range", range);
        }

        using var response = await client.SendAsync(request, Ct);
        var body = await response.Content.ReadAsByteArrayAsync(Ct);

        var (from, count) = range switch
        {
            null => (0, bytes.Length),
            "bytes=-300000" => (bytes.Length - 300000, 300000),
            _ => (262100, 600000 - 262100 + 1),
        };
        Assert.Equal(range is null ? HttpStatusCode.OK : HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal(count, response.Content.Headers.ContentLength);
        Assert.Equal(bytes.AsSpan(from, count).ToArray(), body);
    }

    [Fact]
    public async Task An_unsatisfiable_range_is_416_and_conditional_requests_are_honoured()
    {
        var (client, url, bytes) = await UploadAsync(Part10Bytes(), "cond.dcm");
        using var first = await client.GetAsync(url, Ct);
        var etag = first.Headers.ETag!;

        using var unsatisfiable = new HttpRequestMessage(HttpMethod.Get, url);
        unsatisfiable.Headers.TryAddWithoutValidation("Range", $"bytes={bytes.Length + 10}-");
        using var refused = await client.SendAsync(unsatisfiable, Ct);
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, refused.StatusCode);
        Assert.Equal($"bytes */{bytes.Length}", refused.Content.Headers.ContentRange?.ToString());

        using var stale = new HttpRequestMessage(HttpMethod.Get, url);
        stale.Headers.TryAddWithoutValidation("Range", "bytes=0-9");
        stale.Headers.TryAddWithoutValidation("If-Range", "\"not-the-etag\"");
        using var whole = await client.SendAsync(stale, Ct);
        Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
        Assert.Equal(bytes.Length, (await whole.Content.ReadAsByteArrayAsync(Ct)).Length);

        using var fresh = new HttpRequestMessage(HttpMethod.Get, url);
        fresh.Headers.TryAddWithoutValidation("Range", "bytes=0-9");
        fresh.Headers.TryAddWithoutValidation("If-Range", etag.ToString());
        Assert.Equal(HttpStatusCode.PartialContent, (await client.SendAsync(fresh, Ct)).StatusCode);

        using var cached = new HttpRequestMessage(HttpMethod.Get, url);
        cached.Headers.IfNoneMatch.Add(etag);
        Assert.Equal(HttpStatusCode.NotModified, (await client.SendAsync(cached, Ct)).StatusCode);
    }

    [Fact]
    public async Task Dates_If_Match_and_several_ranges_are_answered_as_RFC_9110_says()
    {
        var (client, url, bytes) = await UploadAsync(Part10Bytes(), "rfc.dcm");
        using var first = await client.GetAsync(url, Ct);
        var (etag, lastModified) = (first.Headers.ETag!, first.Content.Headers.LastModified!.Value);

        async Task<HttpResponseMessage> GetAsync(params (string Name, string Value)[] headers)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            foreach (var (name, value) in headers)
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }

            return await client.SendAsync(request, Ct);
        }

        using var notModified = await GetAsync(("If-Modified-Since", lastModified.ToString("R")));
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Equal(etag, notModified.Headers.ETag);
        Assert.Empty(await notModified.Content.ReadAsByteArrayAsync(Ct));
        using var modified = await GetAsync(("If-Modified-Since", lastModified.AddSeconds(-1).ToString("R")));
        Assert.Equal(HttpStatusCode.OK, modified.StatusCode);

        using var otherCopy = await GetAsync(("If-Match", "\"another\""));
        Assert.Equal(HttpStatusCode.PreconditionFailed, otherCopy.StatusCode);
        using var sameCopy = await GetAsync(("If-Match", etag.ToString()), ("Range", "bytes=0-3"));
        Assert.Equal(HttpStatusCode.PartialContent, sameCopy.StatusCode);
        using var changedSince = await GetAsync(("If-Unmodified-Since", lastModified.AddSeconds(-1).ToString("R")));
        Assert.Equal(HttpStatusCode.PreconditionFailed, changedSince.StatusCode);

        // Several ranges are not served as multipart/byteranges: the whole file, as ASP.NET's own file results do.
        using var several = await GetAsync(("Range", "bytes=0-3,10-20"));
        Assert.Equal(HttpStatusCode.OK, several.StatusCode);
        Assert.Equal(bytes, await several.Content.ReadAsByteArrayAsync(Ct));

        // If-Range with the file's date: the range while the copy is this one, the whole file once it is older.
        using var sameDate = await GetAsync(("Range", "bytes=4-7"), ("If-Range", lastModified.ToString("R")));
        Assert.Equal(HttpStatusCode.PartialContent, sameDate.StatusCode);
        Assert.Equal(bytes[4..8], await sameDate.Content.ReadAsByteArrayAsync(Ct));
        using var olderDate = await GetAsync(("Range", "bytes=4-7"), ("If-Range", lastModified.AddDays(-1).ToString("R")));
        Assert.Equal(HttpStatusCode.OK, olderDate.StatusCode);
    }

    [Fact]
    public async Task A_raw_dataset_is_served_as_Part_10_that_pydicom_reads_and_the_dataset_bytes_are_unchanged()
    {
        var raw = RawDatasetBytes(out var sopInstance);
        var (client, url, _) = await UploadAsync(raw, "raw-slice");

        var body = await client.GetByteArrayAsync(url, Ct);
        using var again = new HttpRequestMessage(HttpMethod.Get, url);
        again.Headers.TryAddWithoutValidation("Range", "bytes=128-131");
        using var ranged = await client.SendAsync(again, Ct);

        Assert.True(Part10.HasPart10Header(body));
        Assert.Equal(raw, body[^raw.Length..]);
        Assert.Equal(HttpStatusCode.PartialContent, ranged.StatusCode);
        Assert.Equal("DICM"u8.ToArray(), await ranged.Content.ReadAsByteArrayAsync(Ct));
        var path = Path.Combine(api.StorageRoot, "served.dcm");
        await File.WriteAllBytesAsync(path, body, Ct);
        var pydicom = Run("/usr/bin/python3", "-c",
            "import sys, pydicom; ds = pydicom.dcmread(sys.argv[1]); print(ds.file_meta.MediaStorageSOPInstanceUID, ds.SOPInstanceUID, ds.file_meta.TransferSyntaxUID)", path);
        Assert.Equal($"{sopInstance} {sopInstance} 1.2.840.10008.1.2", pydicom.Trim());
    }

    [Theory]
    [InlineData("..")]
    [InlineData("...")]
    [InlineData("..%2F..%2Fetc%2Fpasswd")]
    [InlineData("%2E%2E")]
    [InlineData("%2e%2e%2fsecret.txt")]
    [InlineData("..%5Csecret.txt")]
    [InlineData("a%5Cb")]
    [InlineData("%2Fetc%2Fpasswd")]
    [InlineData(".hidden")]
    [InlineData(".part10")]
    [InlineData("a%20b")]
    [InlineData("~root")]
    [InlineData("*.dcm")]
    [InlineData("name%3Fq=1")]
    [InlineData("C%3A%5Cwindows")]
    [InlineData("a%0Ab")]
    [InlineData("%252e%252e%252fsecret.txt")]
    [InlineData("%C0%AE%C0%AE")]
    [InlineData("%E2%80%AE.dcm")]
    [InlineData("a..%2F..%2Fsecret.txt")]
    [InlineData("NUL")]
    public async Task Names_that_could_leave_the_results_folder_are_refused_and_never_reach_the_disk(string name)
    {
        var (client, url, _) = await UploadAsync(Part10Bytes(), "legit.dcm");
        var secret = Path.Combine(api.StorageRoot, "secret.txt");
        await File.WriteAllTextAsync(secret, "must never be served", Ct);
        var before = Directory.GetFileSystemEntries(api.StorageRoot, "*", SearchOption.AllDirectories).Order().ToList();

        using var response = await client.GetAsync(url[..(url.LastIndexOf('/') + 1)] + name, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);

        Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotFound, $"{name}: {(int)response.StatusCode}");
        Assert.DoesNotContain("must never be served", body, StringComparison.Ordinal);
        Assert.DoesNotContain("root:", body, StringComparison.Ordinal);
        Assert.Equal(before, Directory.GetFileSystemEntries(api.StorageRoot, "*", SearchOption.AllDirectories).Order());
    }

    [Theory]
    [InlineData("x\0.dcm")]
    [InlineData("../x")]
    [InlineData("..\\x")]
    [InlineData("/etc/passwd")]
    [InlineData("a/b")]
    [InlineData("..")]
    [InlineData("")]
    [InlineData("ü.dcm")]
    [InlineData("a\tb")]
    public void Names_with_separators_control_characters_or_outside_the_allowed_set_fail_validation(string name) =>
        Assert.NotNull(Imaging.ResultsApi.Storage.ResultStorage.ValidateFileName(name));

    [Theory]
    [InlineData("image-001.dcm")]
    [InlineData("IM_0001")]
    [InlineData("series+1.v2.dcm")]
    public void Ordinary_names_pass_validation(string name) => Assert.Null(Imaging.ResultsApi.Storage.ResultStorage.ValidateFileName(name));

    [Fact]
    public async Task Another_sources_user_gets_403_and_never_the_bytes()
    {
        var (_, url, _) = await UploadAsync(Part10Bytes(), "private.dcm");
        var other = await api.LoginAsync("other", "other-password");

        using var response = await other.GetAsync(url, Ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var resultId = url.Split('/')[^2];
        Assert.Equal(HttpStatusCode.Forbidden, (await other.GetAsync($"/api/v1/exam/result/{resultId}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await other.DeleteAsync($"/api/v1/exam/result/{resultId}", Ct)).StatusCode);
        var exams = await other.GetStringAsync("/api/v1/exam/all", Ct);
        Assert.Contains("\"total\":0", exams, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ids_that_do_not_belong_together_are_404_and_a_missing_file_is_404()
    {
        var (client, url, _) = await UploadAsync(Part10Bytes(), "x.dcm");
        var parts = url.Split('/');

        using var wrongWorkflow = await client.GetAsync(string.Join('/', parts[..^4]) + $"/{Guid.NewGuid()}/{parts[^3]}/{parts[^2]}/x.dcm", Ct);
        using var missing = await client.GetAsync(string.Join('/', parts[..^1]) + "/y.dcm", Ct);

        Assert.Equal(HttpStatusCode.NotFound, wrongWorkflow.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    private async Task<(HttpClient Client, string Url, byte[] Bytes)> UploadAsync(byte[] bytes, string name)
    {
        var client = await api.LoginAsync();
        var (_, workflow, task) = await ResultsApiFactory.CreateHierarchyAsync(client);
        var result = await TaskResultsTests.CreateAsync(client, task);
        using var upload = await client.PutAsync($"/api/v1/exam/result/{result}/files/{name}", new ByteArrayContent(bytes), Ct);
        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        return (client, $"/api/v1/exam/dcm/{workflow}/{task}/{result}/{name}", bytes);
    }

    private static DicomDataset Dataset(out string sopInstance)
    {
        sopInstance = DicomUid.Generate();
        var pixels = Enumerable.Range(0, 64 * 64).Select(i => (ushort)i).ToArray();
        return DicomImages.SecondaryCapture(
            new PatientStudy("P-1", "Test^Patient", DicomUid.Generate(), DateTimeOffset.UnixEpoch),
            new ImageSeries(DicomUid.Generate(), 1, "OT"), 1, ImagePixels.Gray16(pixels, 64, 64), DateTimeOffset.UnixEpoch, sopInstance);
    }

    private static byte[] Part10Bytes()
    {
        var stream = new MemoryStream();
        DicomFile.Create(Dataset(out _)).Save(stream);
        return stream.ToArray();
    }

    private static byte[] RawDatasetBytes(out string sopInstance)
    {
        var stream = new MemoryStream();
        DicomWriter.WriteDataset(stream, Dataset(out sopInstance), TransferSyntax.ImplicitVRLittleEndian);
        return stream.ToArray();
    }

    private static string Run(string program, params string[] arguments)
    {
        var (_, output, error) = Imaging.TestSupport.ExternalTool.RunUnchecked(program, arguments);
        return output + error;
    }
}
