namespace ResultsApi.Tests;

/// <summary>ResultsApi on Kestrel (not TestServer), so the server's own request body limits are in force as in production.</summary>
public sealed class KestrelResultsApiFactory : ResultsApiFactory
{
    public KestrelResultsApiFactory(TestServers servers)
        : base(servers)
    {
        UseKestrel(0);
    }
}

/// <summary>
/// Input limits (docs/results-api.md, "Input limits"): bodies over the size limits, with or without a Content-Length;
/// too many parts; JSON nested too deep; DICOM elements with impossible lengths and deflate bombs; names that try to
/// leave the storage root. Each is refused with a clear error and changes nothing: no row, no file, nothing outside.
/// </summary>
public sealed class InputLimitsTests(KestrelResultsApiFactory api) : IClassFixture<KestrelResultsApiFactory>
{
    private const int Limit = 4 << 20;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("task result raw PUT", true)]
    [InlineData("task result raw PUT", false)]
    [InlineData("task result form", true)]
    [InlineData("task result form", false)]
    [InlineData("workflow raw data", true)]
    [InlineData("workflow raw data", false)]
    [InlineData("STOW-RS", true)]
    [InlineData("STOW-RS", false)]
    [InlineData("vendor studies", true)]
    [InlineData("quality session", true)]
    [InlineData("quality session", false)]
    public async Task An_upload_over_the_limit_is_413_problem_details_and_leaves_no_file_and_no_row(string endpoint, bool chunked)
    {
        var client = await api.LoginAsync();
        // Over the upload limit but within the server's limit for the endpoint (1 MiB more): the service itself refuses it.
        var (path, content, headers) = await UploadAsync(client, endpoint, Limit + (512 << 10), chunked);
        var before = await SnapshotAsync();

        using var request = new HttpRequestMessage(endpoint.EndsWith("PUT", StringComparison.Ordinal) ? HttpMethod.Put : HttpMethod.Post, path) { Content = content };
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("Upload too large", problem.GetProperty("title").GetString());
        Assert.Equal($"The upload is larger than the {Limit} bytes accepted. Send at most {Limit} bytes, or the files in several requests.",
            problem.GetProperty("detail").GetString());
        Assert.Equal(before, await SnapshotAsync());
    }

    [Theory]
    [InlineData("task result raw PUT", true)]
    [InlineData("task result form", false)]
    [InlineData("STOW-RS", true)]
    public async Task A_body_far_over_every_limit_is_cut_off_by_the_server_and_leaves_nothing(string endpoint, bool chunked)
    {
        var client = await api.LoginAsync();
        var (path, content, headers) = await UploadAsync(client, endpoint, 3 * Limit, chunked);
        var before = await SnapshotAsync();

        using var request = new HttpRequestMessage(endpoint.EndsWith("PUT", StringComparison.Ordinal) ? HttpMethod.Put : HttpMethod.Post, path) { Content = content };
        try
        {
            // Kestrel answers 413 and closes the connection: the client may see the answer or only the closed connection.
            using var response = await client.SendAsync(request, Ct);
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        }
        catch (HttpRequestException)
        {
        }

        Assert.Equal(before, await SnapshotAsync());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task An_upload_over_the_JSON_limit_but_within_the_upload_limit_is_accepted(bool chunked)
    {
        var client = await api.LoginAsync();
        var (path, content, _) = await UploadAsync(client, "task result raw PUT", 3 << 20, chunked);

        using var response = await client.PutAsync(path, content, Ct);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_2_MiB_JSON_body_to_a_JSON_endpoint_is_413_even_though_uploads_may_be_larger(bool chunked)
    {
        var client = await api.LoginAsync();
        var json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { name = new string('x', 2 << 20), patient_id = "P-LARGE" }));
        var before = await SnapshotAsync();

        using HttpContent content = chunked ? new StreamContent(new UnknownLength(json)) : new ByteArrayContent(json);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        // With a length, the client waits for the server's word before sending the body (Expect: 100-continue), so the
        // refusal up front reaches it as the 413 it is.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/exam/new") { Content = content };
        request.Headers.ExpectContinue = !chunked;
        try
        {
            using var response = await client.SendAsync(request, Ct);
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
        catch (HttpRequestException)
        {
            // A chunked body has no length to refuse up front: Kestrel answers 413 once it has read past the limit and
            // closes, and the client may still be writing the rest, so it can see the closed connection instead. On a
            // loaded machine a client that gave up waiting for 100-continue can meet the same closed connection.
        }

        Assert.Equal(before, await SnapshotAsync());
    }

    [Fact]
    public async Task A_STOW_body_with_more_parts_than_allowed_is_refused_and_keeps_not_even_the_parts_before_the_limit()
    {
        var client = await api.LoginAsync();
        var good = StowTests.Instance(DicomUid.Generate(), DicomUid.Generate(), 1, out var goodUid);
        var before = await SnapshotAsync();

        using var body = StowTests.Related([good, .. Enumerable.Range(0, 1000).Select(_ => new byte[] { 0 })]);
        using var response = await client.PostAsync("/dicom-web/studies", body, Ct);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "Too many parts", "more than 1000 parts; nothing of it was stored");
        Assert.Equal(before, await SnapshotAsync());
        Assert.False(await InstanceExistsAsync(goodUid));
    }

    [Fact]
    public async Task A_form_with_more_parts_than_allowed_is_refused_and_stores_nothing()
    {
        var client = await api.LoginAsync();
        var (_, _, task) = await ResultsApiFactory.CreateHierarchyAsync(client);
        var result = await TaskResultsTests.CreateAsync(client, task);
        using var form = new MultipartFormDataContent();
        foreach (var i in Enumerable.Range(0, 1001))
        {
            form.Add(new ByteArrayContent([1]), "file", $"part-{i}.bin");
        }

        var before = await SnapshotAsync();
        using var response = await client.PostAsync($"/api/v1/exam/result/{result}/files", form, Ct);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "Too many parts", "Form value count limit 1000 exceeded.");
        Assert.Equal(before, await SnapshotAsync());
    }

    [Theory]
    [InlineData(40, "JSON too deep")] // past the reader's MaxDepth of 32: the framework's 400, as problem details
    [InlineData(31, "JSON too deep")] // readable, but too deep to be answered inside a list: the endpoint's own 400
    public async Task Meta_nested_too_deep_is_400_problem_details_and_the_result_keeps_its_meta(int depth, string title)
    {
        var client = await api.LoginAsync();
        var (_, _, task) = await ResultsApiFactory.CreateHierarchyAsync(client);
        var result = await TaskResultsTests.CreateAsync(client, task);
        using var content = new StringContent($"{{\"type\":\"DICOM\",\"meta\":{Nested(depth)}}}", Encoding.UTF8, "application/json");

        using var response = await client.PutAsync($"/api/v1/exam/result/{result}", content, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        if (depth <= 32)
        {
            Assert.Equal(title, (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("title").GetString());
        }

        var stored = await client.GetFromJsonAsync<JsonElement>($"/api/v1/exam/result/{result}", Ct);
        Assert.Equal("{}", stored.GetProperty("meta").GetRawText());
    }

    [Fact]
    public async Task Meta_as_deep_as_allowed_is_stored_and_answered_alone_and_in_the_task_list()
    {
        var client = await api.LoginAsync();
        var (_, _, task) = await ResultsApiFactory.CreateHierarchyAsync(client);
        var result = await TaskResultsTests.CreateAsync(client, task);
        using var content = new StringContent($"{{\"type\":\"DICOM\",\"meta\":{Nested(30)}}}", Encoding.UTF8, "application/json");

        using var response = await client.PutAsync($"/api/v1/exam/result/{result}", content, Ct);
        using var list = await client.GetAsync($"/api/v1/exam/result/all/{task}", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
    }

    [Fact]
    public async Task A_workflow_definition_nested_too_deep_is_400_and_creates_nothing()
    {
        var client = await api.LoginAsync();
        var before = await SnapshotAsync();
        using var content = new StringContent($"{{\"name\":\"deep\",\"version\":\"1\",\"definition\":{Nested(31)}}}", Encoding.UTF8, "application/json");

        using var response = await client.PostAsync("/api/v1/workflow/", content, Ct);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "JSON too deep", "nests objects and arrays more than 30 levels deep");
        Assert.Equal(before, await SnapshotAsync());
    }

    [Fact]
    public async Task A_DICOM_element_declaring_a_huge_length_is_a_failed_SOP_and_leaves_nothing()
    {
        var client = await api.LoginAsync();
        var instance = StowTests.Instance(DicomUid.Generate(), DicomUid.Generate(), 1, out var uid);
        // Pixel Data (7FE0,0010) OW: tag, VR, two reserved bytes, then the 32-bit length.
        var at = IndexOf(instance, [0xE0, 0x7F, 0x10, 0x00]) + 8;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(instance.AsSpan(at), 0xFFFFFFF0);
        var before = await SnapshotAsync();

        using var response = await client.PostAsync("/dicom-web/studies", StowTests.Related(instance), Ct);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var failure = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("00081198").GetProperty("Value")[0];
        Assert.Equal(0xC000, failure.GetProperty("00081197").GetProperty("Value")[0].GetInt32());
        Assert.Equal(before, await SnapshotAsync());
        Assert.False(await InstanceExistsAsync(uid));
    }

    [Fact]
    public async Task A_deflated_instance_that_inflates_to_a_gigabyte_is_refused_quickly_and_leaves_nothing()
    {
        var client = await api.LoginAsync();
        var uid = DicomUid.Generate();
        var bomb = DeflateBomb.Part10(uid, DicomUid.Generate(), DicomUid.Generate(), 1L << 30);
        Assert.True(bomb.Length < Limit, $"the bomb is {bomb.Length} bytes");
        var before = await SnapshotAsync();

        var started = System.Diagnostics.Stopwatch.StartNew();
        using var response = await client.PostAsync("/dicom-web/studies", StowTests.Related(bomb), Ct);
        var took = started.Elapsed;

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var failure = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("00081198").GetProperty("Value")[0];
        Assert.Equal(0xC000, failure.GetProperty("00081197").GetProperty("Value")[0].GetInt32());
        Assert.True(took < TimeSpan.FromSeconds(20), $"took {took}");
        Assert.Equal(before, await SnapshotAsync());
        Assert.False(await InstanceExistsAsync(uid));
    }

    public static TheoryData<string> TrickyNames => new()
    {
        "..",
        "...",
        "../../etc/passwd",
        "..\\..\\escape.bin",
        "%2e%2e%2fescape.bin",
        "/etc/passwd",
        "C:\\escape.bin",
        "nul\0byte.bin",
        new string('a', 256),
        "\u202Egnp.exe",
        "full\uFF0Fwidth.bin",
        "a:b*c?.bin",
        "name with space.bin",
    };

    [Theory]
    [MemberData(nameof(TrickyNames))]
    public async Task A_tricky_file_name_is_refused_on_every_upload_and_nothing_lands_outside_the_root(string name)
    {
        var client = await api.LoginAsync();
        var (_, _, task) = await ResultsApiFactory.CreateHierarchyAsync(client);
        var result = await TaskResultsTests.CreateAsync(client, task);
        var record = await CreateRecordAsync(client, task);
        var sentinel = Sentinel();
        var before = await SnapshotAsync();

        using var raw = await client.PutAsync($"/api/v1/exam/result/{result}/files/{Uri.EscapeDataString(name)}", new ByteArrayContent([1, 2, 3]), Ct);
        using var literal = await client.PutAsync($"/api/v1/exam/result/{result}/files/{name.Replace("\0", "%00", StringComparison.Ordinal)}", new ByteArrayContent([1, 2, 3]), Ct);
        using var form = await client.PostAsync($"/api/v1/exam/result/{result}/files", Form("file", name, [1, 2, 3]), Ct);
        using var rawData = await client.PostAsync($"/api/v1/workflow/upload/{record}/", Form("file", name, [1, 2, 3]), Ct);
        using var session = await client.PostAsync("/api/analyze/device?target=basic-reflective",
            Form(("before_target", name, [0x49, 0x49, 0x2A, 0x00, 1]), ("after_target", "after.tif", [0x49, 0x49, 0x2A, 0x00, 2])), Ct);

        // A name of dots only is a dot segment, which the client removes (RFC 3986), so the request reaches the result
        // itself (415: not JSON); a NUL is refused by Kestrel before any endpoint (400, no body); else the endpoint's 400.
        if (name is "." or "..")
        {
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, raw.StatusCode);
        }
        else if (!name.Contains('\0', StringComparison.Ordinal))
        {
            Assert.Equal(HttpStatusCode.BadRequest, raw.StatusCode);
            Assert.Equal("application/problem+json", raw.Content.Headers.ContentType?.MediaType);
        }
        else
        {
            Assert.Equal(HttpStatusCode.BadRequest, raw.StatusCode);
        }

        // Unescaped, a name with a slash is another route (404, 405 or 415), a dot segment is removed.
        Assert.Contains(literal.StatusCode, new[] { HttpStatusCode.BadRequest, HttpStatusCode.NotFound, HttpStatusCode.MethodNotAllowed, HttpStatusCode.UnsupportedMediaType });
        foreach (var response in new[] { form, rawData, session })
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            // A NUL in a part's headers makes the form reader drop the part or the form; any other name is refused as a name.
            var title = (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("title").GetString();
            Assert.True(title is "Invalid file name" || name.Contains('\0', StringComparison.Ordinal), title);
        }

        Assert.Equal(before, await SnapshotAsync());
        Assert.Empty(Directory.EnumerateFileSystemEntries(sentinel, "*", SearchOption.AllDirectories));
        Assert.False(File.Exists("/etc/escape.bin"));
    }

    [Fact]
    public async Task A_tricky_name_in_a_signed_result_link_is_refused_without_reading_anything()
    {
        var anonymous = api.CreateClient();
        foreach (var name in new[] { "..%2F..%2Fetc%2Fpasswd", "%2e%2e", "..%5C..%5Cescape.bin", "a%00b.json" })
        {
            using var response = await anonymous.GetAsync($"/results/files/{Guid.NewGuid()}/1.2.3/{name}?expires=9999999999&signature=00", Ct);
            Assert.Contains(response.StatusCode, new[] { HttpStatusCode.Forbidden, HttpStatusCode.NotFound, HttpStatusCode.BadRequest });
            Assert.DoesNotContain("root:", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }
    }

    /// <summary>The endpoint's path, a body of <paramref name="size"/> bytes (with or without a Content-Length), and extra headers.</summary>
    private async Task<(string Path, HttpContent Content, (string, string)[] Headers)> UploadAsync(HttpClient client, string endpoint, int size, bool chunked)
    {
        var bytes = new byte[size];
        new Random(size).NextBytes(bytes);
        HttpContent Body() => chunked ? new StreamContent(new UnknownLength(bytes)) : new ByteArrayContent(bytes);
        HttpContent Part(string type)
        {
            var part = Body();
            part.Headers.ContentType = new MediaTypeHeaderValue(type);
            return part;
        }

        switch (endpoint)
        {
            case "task result raw PUT":
                {
                    var (_, _, task) = await ResultsApiFactory.CreateHierarchyAsync(client);
                    return ($"/api/v1/exam/result/{await TaskResultsTests.CreateAsync(client, task)}/files/big.bin", Body(), []);
                }

            case "task result form":
                {
                    var (_, _, task) = await ResultsApiFactory.CreateHierarchyAsync(client);
                    return ($"/api/v1/exam/result/{await TaskResultsTests.CreateAsync(client, task)}/files",
                        new MultipartFormDataContent { { Part("application/octet-stream"), "file", "big.bin" } }, []);
                }

            case "workflow raw data":
                {
                    var (_, _, task) = await ResultsApiFactory.CreateHierarchyAsync(client);
                    return ($"/api/v1/workflow/upload/{await CreateRecordAsync(client, task)}/",
                        new MultipartFormDataContent { { Part("application/octet-stream"), "file", "k.npy" } }, []);
                }

            case "STOW-RS":
                {
                    var related = new MultipartContent("related", $"stow-{Guid.NewGuid():N}");
                    related.Headers.ContentType!.Parameters.Add(new NameValueHeaderValue("type", "\"application/dicom\""));
                    // A good instance first: it must not be kept when the body turns out too large.
                    related.Add(new ByteArrayContent(StowTests.Instance(DicomUid.Generate(), DicomUid.Generate(), 1, out _))
                    { Headers = { ContentType = new MediaTypeHeaderValue("application/dicom") } });
                    related.Add(Part("application/dicom"));
                    return ("/dicom-web/studies", related, []);
                }

            case "vendor studies":
                {
                    using var created = await client.PostAsJsonAsync("/api/v1/sources/tokens", new { name = $"limits-{Guid.NewGuid():N}" }, Ct);
                    var token = (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("token").GetString();
                    var form = new MultipartFormDataContent
                {
                    { new ByteArrayContent(StowTests.Instance(DicomUid.Generate(), DicomUid.Generate(), 1, out _)), "file_0", "good.dcm" },
                    { Part("application/dicom"), "file_1", "big.dcm" },
                };
                    return ("/studies", form, [("Authorization", $"Token {token}"), ("Source", "default")]);
                }

            default:
                {
                    var tiff = bytes;
                    tiff[0] = 0x49;
                    tiff[1] = 0x49;
                    tiff[2] = 0x2A;
                    tiff[3] = 0x00;
                    return ("/api/analyze/device?target=basic-reflective", new MultipartFormDataContent
                {
                    { Part("image/tiff"), "before_target", "before.tif" },
                    { new ByteArrayContent([0x49, 0x49, 0x2A, 0x00, 1]), "after_target", "after.tif" },
                }, []);
                }
        }
    }

    private static async Task<int> CreateRecordAsync(HttpClient client, Guid task)
    {
        using var response = await client.PostAsJsonAsync("/api/v1/workflow/record", new { task_id = task }, Ct);
        Assert.True(response.IsSuccessStatusCode, $"record: {response.StatusCode}");
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetInt32();
    }

    private static MultipartFormDataContent Form(string field, string fileName, byte[] bytes) => Form((field, fileName, bytes));

    private static MultipartFormDataContent Form(params (string Field, string FileName, byte[] Bytes)[] parts)
    {
        var form = new MultipartFormDataContent();
        foreach (var (field, fileName, bytes) in parts)
        {
            var part = new ByteArrayContent(bytes);
            // Written by hand: HttpClient would quote or encode the name; a hostile client sends it as it likes.
            part.Headers.TryAddWithoutValidation("Content-Disposition", $"form-data; name=\"{field}\"; filename=\"{fileName.Replace("\"", "%22", StringComparison.Ordinal)}\"");
            form.Add(part);
        }

        return form;
    }

    /// <summary>An empty folder beside the storage root: a name that escaped the root by one level would land next to it.</summary>
    private string Sentinel()
    {
        var sentinel = Path.Combine(Path.GetDirectoryName(api.StorageRoot)!, "sentinel-" + Path.GetFileName(api.StorageRoot));
        Directory.CreateDirectory(sentinel);
        return sentinel;
    }

    /// <summary>Every file under the storage root and beside it (hidden and temporary ones too) with its size, and the row counts.</summary>
    private async Task<string> SnapshotAsync()
    {
        var parent = Path.GetDirectoryName(api.StorageRoot)!;
        var files = Directory.EnumerateFileSystemEntries(api.StorageRoot, "*", SearchOption.AllDirectories)
            .Where(f => File.Exists(f))
            .Select(f => $"{Path.GetRelativePath(api.StorageRoot, f)}:{new FileInfo(f).Length}")
            .Concat(Directory.EnumerateFiles(parent).Select(f => $"beside:{Path.GetFileName(f)}"))
            .Order(StringComparer.Ordinal);
        await using var scope = api.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ResultsDbContext>();
        var rows = string.Join(",", await db.Instances.CountAsync(Ct), await db.Results.CountAsync(Ct), await db.QualitySessions.CountAsync(Ct),
            await db.WorkflowDefinitions.CountAsync(Ct), await db.Exams.CountAsync(Ct),
            await db.Results.Where(r => r.Files.Count > 0).CountAsync(Ct));
        return rows + "\n" + string.Join("\n", files);
    }

    private async Task<bool> InstanceExistsAsync(string sopInstanceUid)
    {
        await using var scope = api.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ResultsDbContext>().Instances.AnyAsync(i => i.SopInstanceUid == sopInstanceUid, Ct);
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string title, string detail)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(title, problem.GetProperty("title").GetString());
        Assert.Contains(detail, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private static string Nested(int depth) => string.Concat(Enumerable.Repeat("{\"a\":", depth - 1)) + "{}" + new string('}', depth - 1);

    private static int IndexOf(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle);

    /// <summary>A stream that will not tell its length, so HttpClient sends it chunked.</summary>
    private sealed class UnknownLength(byte[] bytes) : MemoryStream(bytes, writable: false)
    {
        public override bool CanSeek => false;
    }
}
