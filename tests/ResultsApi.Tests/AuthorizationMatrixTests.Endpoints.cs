using System.Text.RegularExpressions;
using Imaging.ResultsApi.Auth;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;

namespace ResultsApi.Tests;

/// <summary>What the matrix runs on: the host's endpoints with their placeholders filled, the items one source owns, the other callers, and a snapshot to prove nothing changed.</summary>
public sealed partial class AuthorizationMatrixTests
{
    private static bool AddressesAParent(Endpoint endpoint) => endpoint.Key is "POST /api/v1/exam/result/" or "POST /api/v1/exam/new_from_template"
        or "POST /api/v1/exam/workflow/new" or "POST /api/v1/exam/task/new" or "POST /api/v1/workflow/record";

    /// <summary>
    /// Sends each endpoint's request and returns a line per answer that <paramref name="expect"/> refuses, and per answer
    /// whose body <paramref name="body"/> refuses (2xx answers only, unless <paramref name="anyStatus"/>).
    /// </summary>
    private static async Task<List<string>> RunAsync(IEnumerable<Endpoint> endpoints, OwnedIds ids, HttpClient client, Func<HttpStatusCode, bool> expect,
        Func<string, string?>? body = null, bool anyStatus = false)
    {
        List<string> failures = [];
        foreach (var endpoint in endpoints)
        {
            var query = AddressesAParent(endpoint) ? ids.Query : "";
            using var request = new HttpRequestMessage(new HttpMethod(endpoint.Method == "*" ? "GET" : endpoint.Method), endpoint.Path(ids) + query);
            request.Content = endpoint.Key switch
            {
                // Uploads read their own media types before they look at the item: send them one they take.
                "POST /api/v1/exam/result/{result_id}/files" => new MultipartFormDataContent { { new ByteArrayContent([1, 2, 3]), "file", "image.dcm" } },
                "POST /dicom-web/studies/{study}" => StowTests.Related(StowTests.Instance(ids.Study, DicomUid.Generate(), 1, out _)),
                _ when endpoint.Method is "POST" or "PUT" or "PATCH" => new StringContent(ids.Body, Encoding.UTF8, "application/json"),
                _ => null,
            };

            using var response = await client.SendAsync(request, Ct);
            var text = await response.Content.ReadAsStringAsync(Ct);
            var leak = response.IsSuccessStatusCode || anyStatus ? body?.Invoke(text) : null;
            if (!expect(response.StatusCode) || leak is not null)
            {
                failures.Add($"{endpoint.Key} ({request.RequestUri}): {(int)response.StatusCode} {leak} {text.Shorten(300)}");
            }
        }

        return failures;
    }

    private static void AssertNone(List<string> failures) => Assert.True(failures.Count == 0, $"{failures.Count} failure(s):\n" + string.Join("\n", failures));

    private List<Endpoint> Endpoints() => [.. api.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
        .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["*"]).Select(method => new Endpoint(method, e)))];

    /// <summary>Logout last: when a credential wrongly gets through, it would end that credential for the endpoints after it.</summary>
    private List<Endpoint> ProtectedEndpoints() => [.. Endpoints().Where(e => e.Protected).OrderBy(e => e.Key == "POST /api/v1/userlogin/logout")];

    /// <summary>Data of the default source, made through the API by its admin: the items the matrix addresses.</summary>
    private async Task<OwnedIds> CreateOwnedDataAsync()
    {
        var admin = await api.LoginAsync();
        var (exam, workflow, task) = await ResultsApiFactory.CreateHierarchyAsync(admin);
        var result = await CreatedAsync(admin, $"/api/v1/exam/result?task_id={task}", null);
        var definition = await CreatedAsync(admin, "/api/v1/workflow/", new { name = "matrix", version = "1" });
        var record = await CreatedAsync(admin, "/api/v1/workflow/record", new { task_id = task });
        var (token, tokenId) = await CreateSourceTokenAsync(admin);
        var (study, series) = (DicomUid.Generate(), DicomUid.Generate());
        using (var stored = await admin.PostAsync("/dicom-web/studies", StowTests.Related(StowTests.Instance(study, series, 1, out var sop)), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
            await using var scope = api.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ResultsDbContext>();
            var source = await db.Sources.Where(s => s.Name == "default").Select(s => s.Id).SingleAsync(Ct);
            // A quality session of this source (its images do not matter to who may address it).
            var session = db.QualitySessions.Add(new QualitySession
            {
                Id = Guid.NewGuid(),
                SourceId = source,
                Target = "basic-reflective",
                State = QualitySessionState.created,
                CreatedAt = api.Clock.GetUtcNow(),
                UpdatedAt = api.Clock.GetUtcNow(),
            }).Entity;
            await db.SaveChangesAsync(Ct);
            return new OwnedIds(source.ToString(), exam.ToString(), workflow.ToString(), task.ToString(), result, definition, record, tokenId.ToString(), token, study, series, sop,
                session.Id.ToString());
        }
    }

    /// <summary>
    /// Everything a request could change that is not the caller's own session: the scan hierarchy, the workflow manager,
    /// the DICOM index, analyses, quality sessions, source tokens, the outbox and the files under the storage root.
    /// </summary>
    private async Task<string> SnapshotAsync()
    {
        await using var scope = api.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ResultsDbContext>();
        var rows = new Dictionary<string, object>
        {
            ["exams"] = await db.Exams.AsNoTracking().OrderBy(x => x.Id).ToListAsync(Ct),
            ["workflows"] = await db.Workflows.AsNoTracking().OrderBy(x => x.Id).ToListAsync(Ct),
            ["tasks"] = await db.Tasks.AsNoTracking().OrderBy(x => x.Id).ToListAsync(Ct),
            ["results"] = await db.Results.AsNoTracking().OrderBy(x => x.Id).ToListAsync(Ct),
            ["definitions"] = await db.WorkflowDefinitions.AsNoTracking().OrderBy(x => x.Id).ToListAsync(Ct),
            ["records"] = await db.Records.AsNoTracking().OrderBy(x => x.Id).ToListAsync(Ct),
            ["instances"] = await db.Instances.AsNoTracking().OrderBy(x => x.Id).ToListAsync(Ct),
            ["analyses"] = await db.SeriesAnalyses.AsNoTracking().OrderBy(x => x.Id).ToListAsync(Ct),
            ["sessions"] = await db.QualitySessions.AsNoTracking().OrderBy(x => x.Id).ToListAsync(Ct),
            ["tokens"] = await db.SourceApiTokens.AsNoTracking().OrderBy(x => x.Id).ToListAsync(Ct),
            ["outbox"] = await db.Outbox.CountAsync(Ct),
            ["files"] = Directory.EnumerateFiles(api.StorageRoot, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
                .Select(f => $"{Path.GetRelativePath(api.StorageRoot, f)} {new FileInfo(f).Length}").ToList(),
        };
        return JsonSerializer.Serialize(rows, new JsonSerializerOptions { ReferenceHandler = System.Text.Json.Serialization.ReferenceHandler.IgnoreCycles });
    }

    private static async Task<string> CreatedAsync(HttpClient client, string path, object? body)
    {
        using var response = await client.PostAsJsonAsync(path, body, Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").ToString();
    }

    private static async Task<(string Token, Guid Id)> CreateSourceTokenAsync(HttpClient admin)
    {
        using var response = await admin.PostAsJsonAsync("/api/v1/sources/tokens", new { name = "matrix" }, Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        return (body.GetProperty("token").GetString()!, body.GetProperty("id").GetGuid());
    }

    private async Task<string> CreateOtherSourceTokenAsync()
    {
        await using var scope = api.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ResultsDbContext>();
        var source = await db.Sources.Where(s => s.Name == "other-hospital").Select(s => s.Id).SingleAsync(Ct);
        var created = await scope.ServiceProvider.GetRequiredService<SourceTokens>().CreateAsync(db, source, "other", "test", Ct);
        return created.Secret;
    }

    private async Task CreateMedicalUserAsync()
    {
        await using var scope = api.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ResultsDbContext>();
        if (await db.Users.AnyAsync(u => u.Username == MedicalUser, Ct))
        {
            return;
        }

        var source = await db.Sources.Where(s => s.Name == "default").Select(s => s.Id).SingleAsync(Ct);
        var user = new User
        {
            Username = MedicalUser,
            SourceId = source,
            Role = Roles.Medical,
            PasswordHash = "",
            DatetimeCreated = api.Clock.GetUtcNow(),
        };
        user.PasswordHash = scope.ServiceProvider.GetRequiredService<IPasswordHasher<User>>().HashPassword(user, MedicalPassword);
        db.Users.Add(user);
        await db.SaveChangesAsync(Ct);
    }

    /// <summary>The identifiers of the default source's items; <see cref="All"/> is what must never reach another source.</summary>
    private sealed record OwnedIds(string Source, string Exam, string Workflow, string Task, string Result, string Definition, string Record, string TokenId,
        string SourceToken, string Study, string Series, string Sop, string Session)
    {
        public string[] All => [Exam, Workflow, Task, Result, TokenId, Study, Series, Sop, Session];

        /// <summary>Parents in the query (blank results, exams from templates) and in the body (workflows, tasks, records).</summary>
        public string Query => $"?task_id={Task}&template_id={Exam}&exam_id={Exam}";

        public string Body => JsonSerializer.Serialize(new
        {
            name = "matrix",
            version = "1",
            exam_id = Exam,
            workflow_id = Workflow,
            task_id = Task,
            type = "DICOM",
            files = Array.Empty<string>(),
            input = "x.npy",
            generation = 1,
            attempt = 1,
            reason = "matrix",
        });
    }

    /// <summary>One method of one route endpoint, with what its metadata says about authorization.</summary>
    private sealed partial record Endpoint(string Method, RouteEndpoint Route)
    {
        public string Pattern => "/" + Route.RoutePattern.RawText!.TrimStart('/');

        public string Key => $"{Method} {Pattern}";

        public IReadOnlyList<string> Parameters => [.. Route.RoutePattern.Parameters.Select(p => p.Name)];

        /// <summary>Has an authorization policy and no [AllowAnonymous] (which the authorization middleware honours over any policy).</summary>
        public bool Protected => Route.Metadata.GetMetadata<IAllowAnonymous>() is null
            && (Route.Metadata.GetOrderedMetadata<IAuthorizeData>().Count > 0 || Route.Metadata.GetOrderedMetadata<AuthorizationPolicy>().Count > 0);

        /// <summary>The roles every role requirement of the endpoint admits (null: any authenticated user).</summary>
        public HashSet<string>? AllowedRoles
        {
            get
            {
                var sets = Route.Metadata.GetOrderedMetadata<AuthorizationPolicy>().SelectMany(p => p.Requirements.OfType<RolesAuthorizationRequirement>())
                    .Select(r => r.AllowedRoles)
                    .Concat(Route.Metadata.GetOrderedMetadata<IAuthorizeData>().Where(a => !string.IsNullOrEmpty(a.Roles)).Select(a => a.Roles!.Split(',', StringSplitOptions.TrimEntries)))
                    .ToList();
                return sets.Count == 0 ? null : sets.Skip(1).Aggregate(sets[0].ToHashSet(StringComparer.Ordinal), (all, set) => [.. all.Intersect(set)]);
            }
        }

        /// <summary>The pattern with plausible values: this source's real ids where the parameter names one.</summary>
        public string Path(OwnedIds ids) => RouteParameter().Replace(Pattern, match => match.Groups["name"].Value switch
        {
            "exam_id" => ids.Exam,
            // The workflow manager's definitions have integer ids; the scan hierarchy's workflows have UUIDs.
            "workflow_id" => Pattern.StartsWith("/api/v1/workflow", StringComparison.Ordinal) ? ids.Definition : ids.Workflow,
            "task_id" => ids.Task,
            "result_id" => ids.Result,
            "record_id" => ids.Record,
            "token_id" => ids.TokenId,
            "source_id" => ids.Source,
            "session_id" => ids.Session,
            "study" => ids.Study,
            "series" => ids.Series,
            "instance" or "sop" => ids.Sop,
            "frames" => "1",
            "filename" or "file_name" => "image.dcm",
            "documentName" => "v1",
            var name => throw new InvalidOperationException($"Give the matrix a value for route parameter '{name}' of {Key}."),
        });

        [GeneratedRegex(@"\{\**(?<name>[A-Za-z_]+)[^}]*\}")]
        private static partial Regex RouteParameter();
    }
}
