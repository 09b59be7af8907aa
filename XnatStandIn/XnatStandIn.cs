using System.Collections.Concurrent;
using System.IO.Compression;
using System.Net;
using System.Text;

namespace Imaging.StandIns;

/// <summary>An experiment (image session) the stand-in archived.</summary>
public sealed record XnatExperiment(string Id, string Project, string Subject, string Label, int Files, DateTimeOffset Inserted);

/// <summary>
/// A STAND-IN for XNAT, for tests and the demo only: XNAT (a Java web application) cannot be installed here. It follows
/// XNAT's documented REST behaviour for exactly the calls ImagingImport makes, and nothing more:
/// <list type="bullet">
/// <item>POST /data/JSESSION with basic auth answers the session id as text and sets the JSESSIONID cookie; every other
/// call takes that cookie or basic auth, else 401. Besides the administrator (every project), users are members of some
/// projects; a call about another project answers 403, as XNAT refuses a user without access.</item>
/// <item>GET /data/projects?format=json and GET /data/experiments?project=…&amp;format=json answer the ResultSet envelope
/// ({"ResultSet": {"Result": [...], "totalRecords": "n"}}); GET /data/projects/{id} 404s for an unknown project.</item>
/// <item>PUT /data/projects/{id} creates a project; PUT /data/projects/{id}/prearchive_code/{code} sets where uploads go
/// (0 prearchive, 4 auto-archive, 5 auto-archive with overwrite).</item>
/// <item>POST /data/services/import?import-handler=DICOM-zip&amp;inbody=true&amp;dest=/archive/projects/P/subjects/S/experiments/E
/// takes a zip of DICOM files: 400 when an entry is not DICOM (as XNAT's DICOM-zip handler), 409 when the session exists and
/// overwrite is none, 200 with the session's URI as text. Auto-archived sessions are listed by /data/experiments; others
/// stay in the prearchive, unlisted.</item>
/// </list>
/// Switches make it misbehave as a real server can: latency, a share of calls answering 503, calls that hang, and
/// sessions that expire. Its archive lives in memory, and in a file when it is given one (the demo keeps it across runs).
/// </summary>
public sealed class XnatStandIn : IAsyncDisposable
{
    private readonly WebApplication? _app;
    private readonly string _username;
    private readonly string _password;
    private readonly string? _archiveFile;
    private readonly Lock _saving = new();
    private readonly ConcurrentDictionary<string, string> _projects = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, XnatExperiment> _experiments = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _sessions = new(StringComparer.Ordinal);
    // Users besides the administrator: their passwords and the projects they are members of (XNAT's project access).
    private readonly ConcurrentDictionary<string, (string Password, HashSet<string> Projects)> _users = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _callsByUser = new(StringComparer.Ordinal);
    private int _experimentNumber;
    private int _logins;
    private int _imports;
    private int _calls;

    private XnatStandIn(WebApplication? app, string username, string password, string? archiveFile)
    {
        (_app, _username, _password, _archiveFile) = (app, username, password, archiveFile);
        Load();
    }

    /// <summary>The tests' credentials; the app host gives the demo's stand-in a generated password.</summary>
    public const string Username = "importer";
    public const string Password = "stand-in password";

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Added to every answer.</summary>
    public TimeSpan Latency { get; set; }

    /// <summary>The share of calls (0 to 1, JSESSION excepted) answered 503 before doing anything.</summary>
    public double FailureRate { get; set; }

    /// <summary>When set, calls (JSESSION excepted) wait this long before answering: a server that hangs.</summary>
    public TimeSpan? Hang { get; set; }

    public int Logins => _logins;

    public int ImportCalls => _imports;

    /// <summary>Every call received, logins included.</summary>
    public int Calls => _calls;

    public IReadOnlyCollection<XnatExperiment> Experiments => [.. _experiments.Values];

    public bool HasProject(string project) => _projects.ContainsKey(project);

    public string? PrearchiveCode(string project) => _projects.TryGetValue(project, out var code) ? code : null;

    /// <summary>Creates a project as an XNAT administrator would, with its prearchive code (4: auto-archive).</summary>
    public void AddProject(string project, string prearchiveCode = "4") => _projects[project] = prearchiveCode;

    /// <summary>
    /// A user who is not an administrator: a member of <paramref name="projects"/> only. Other projects answer 403 to
    /// them, as XNAT refuses a user without access; projects they create become theirs.
    /// </summary>
    public void AddUser(string username, string password, params string[] projects) => _users[username] = (password, [.. projects]);

    /// <summary>How many calls (logins included) came as <paramref name="username"/>.</summary>
    public int CallsBy(string username) => _callsByUser.GetValueOrDefault(username);

    /// <summary>Every session id issued so far stops working, as when XNAT's session times out.</summary>
    public void ExpireSessions() => _sessions.Clear();

    /// <summary>A stand-in in this process on a free loopback port, with the tests' credentials and no file.</summary>
    public static async Task<XnatStandIn> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var standIn = new XnatStandIn(app, Username, Password, archiveFile: null);
        standIn.Map(app);
        await app.StartAsync();
        standIn.BaseAddress = new Uri(app.Urls.First());
        return standIn;
    }

    /// <summary>Maps XNAT's calls onto <paramref name="app"/> (the stand-in's own service); the archive is kept in <paramref name="archiveFile"/>.</summary>
    public static XnatStandIn MapTo(WebApplication app, string username, string password, string? archiveFile)
    {
        var standIn = new XnatStandIn(null, username, password, archiveFile);
        standIn.Map(app);
        return standIn;
    }

    private void Map(WebApplication app)
    {
        app.Use(async (http, next) =>
        {
            // Only XNAT's REST paths behave as XNAT; the service's own (/health) are left alone.
            if (!http.Request.Path.StartsWithSegments("/data"))
            {
                await next(http);
                return;
            }

            Interlocked.Increment(ref _calls);
            if (Latency > TimeSpan.Zero)
            {
                await Task.Delay(Latency, http.RequestAborted);
            }

            var login = http.Request.Path == "/data/JSESSION";
            if (!login && Hang is { } hang)
            {
                await Task.Delay(hang, http.RequestAborted);
            }

            if (!login && FailureRate > 0 && Random.Shared.NextDouble() < FailureRate)
            {
                await Text(http, HttpStatusCode.ServiceUnavailable, "The stand-in failed this call on purpose.");
                return;
            }

            var user = login ? BasicUser(http.Request) : User(http.Request);
            if (user is not null)
            {
                _callsByUser.AddOrUpdate(user, 1, (_, n) => n + 1);
                http.Items[UserItem] = user;
            }

            if (!login && user is null)
            {
                await Text(http, HttpStatusCode.Unauthorized, "Login required.");
                return;
            }

            // XNAT refuses a project the user has no access to (403), whatever the call on it.
            if (ProjectOf(http.Request) is { } project && user is not null && !MayUse(user, project))
            {
                await Text(http, HttpStatusCode.Forbidden, $"User {user} has no access to project {project}.");
                return;
            }

            await next(http);
        });

        app.MapPost("/data/JSESSION", (HttpContext http) =>
        {
            if (BasicUser(http.Request) is not { } user)
            {
                return Text(http, HttpStatusCode.Unauthorized, "Bad username or password.");
            }

            Interlocked.Increment(ref _logins);
            var session = Convert.ToHexString(Guid.NewGuid().ToByteArray());
            _sessions[session] = user;
            http.Response.Headers.SetCookie = $"JSESSIONID={session}; Path=/; HttpOnly";
            return Text(http, HttpStatusCode.OK, session);
        });

        app.MapGet("/data/projects", (HttpContext http) => ResultSet(http, _projects.Keys.Order(StringComparer.Ordinal)
            .Select(p => new Dictionary<string, string> { ["ID"] = p, ["secondary_ID"] = p, ["name"] = p, ["description"] = "", ["URI"] = $"/data/projects/{p}" })));

        app.MapGet("/data/projects/{project}", (string project, HttpContext http) =>
            _projects.ContainsKey(project)
                ? Results.Json(new { items = new[] { new { data_fields = new { ID = project, name = project, secondary_ID = project } } } }, XnatJson).ExecuteAsync(http)
                : Text(http, HttpStatusCode.NotFound, $"Unable to find project {project}"));

        app.MapPut("/data/projects/{project}", (string project, HttpContext http) =>
        {
            // New projects put uploads in the prearchive until their prearchive code says otherwise, as XNAT's default.
            if (_projects.TryAdd(project, "0") && http.Items[UserItem] is string creator && _users.TryGetValue(creator, out var member))
            {
                member.Projects.Add(project);
            }

            Save();
            return Text(http, HttpStatusCode.OK, project);
        });

        app.MapPut("/data/projects/{project}/prearchive_code/{code}", (string project, string code, HttpContext http) =>
        {
            if (!_projects.ContainsKey(project))
            {
                return Text(http, HttpStatusCode.NotFound, $"Unable to find project {project}");
            }

            if (code is not ("0" or "4" or "5"))
            {
                return Text(http, HttpStatusCode.BadRequest, $"Invalid prearchive code {code}");
            }

            _projects[project] = code;
            Save();
            return Text(http, HttpStatusCode.OK, code);
        });

        app.MapGet("/data/experiments", (HttpContext http) =>
        {
            var project = http.Request.Query["project"].ToString();
            return ResultSet(http, _experiments.Values.Where(e => project.Length == 0 || e.Project == project).OrderBy(e => e.Id, StringComparer.Ordinal)
                .Select(e => new Dictionary<string, string>
                {
                    ["ID"] = e.Id,
                    ["label"] = e.Label,
                    ["project"] = e.Project,
                    ["xsiType"] = "xnat:mrSessionData",
                    ["insert_date"] = e.Inserted.ToString("yyyy-MM-dd HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture),
                    ["URI"] = $"/data/experiments/{e.Id}",
                }));
        });

        app.MapPost("/data/services/import", ImportAsync);
    }

    private async Task ImportAsync(HttpContext http)
    {
        Interlocked.Increment(ref _imports);
        var query = http.Request.Query;
        if (query["import-handler"] != "DICOM-zip" || query["inbody"] != "true")
        {
            await Text(http, HttpStatusCode.BadRequest, "The stand-in only takes import-handler=DICOM-zip with inbody=true.");
            return;
        }

        var dest = query["dest"].ToString().Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (dest is not ["archive", "projects", var project, "subjects", var subject, "experiments", var label])
        {
            await Text(http, HttpStatusCode.BadRequest, "dest must be /archive/projects/PROJECT/subjects/SUBJECT/experiments/LABEL.");
            return;
        }

        if (!_projects.TryGetValue(project, out var code))
        {
            await Text(http, HttpStatusCode.NotFound, $"Unable to find project {project}");
            return;
        }

        using var body = new MemoryStream();
        await http.Request.Body.CopyToAsync(body, http.RequestAborted);
        int files;
        try
        {
            using var zip = new ZipArchive(body, ZipArchiveMode.Read);
            files = 0;
            foreach (var entry in zip.Entries.Where(e => e.Length > 0))
            {
                var start = new byte[132];
                await using var content = await entry.OpenAsync(http.RequestAborted);
                var read = await content.ReadAtLeastAsync(start, start.Length, throwOnEndOfStream: false, http.RequestAborted);
                if (read < 132 || Encoding.ASCII.GetString(start, 128, 4) != "DICM")
                {
                    await Text(http, HttpStatusCode.BadRequest, $"Unable to parse {entry.FullName} as DICOM.");
                    return;
                }

                files++;
            }
        }
        catch (InvalidDataException)
        {
            await Text(http, HttpStatusCode.BadRequest, "The request body is not a zip archive.");
            return;
        }

        var key = $"{project}/{label}";
        var overwrite = query["overwrite"].ToString();
        if (_experiments.ContainsKey(key) && overwrite is "" or "none")
        {
            await Text(http, HttpStatusCode.Conflict, $"Session {label} already exists in project {project}.");
            return;
        }

        var uri = $"/data/archive/projects/{project}/subjects/{subject}/experiments/{label}";
        if (code is "4" or "5")
        {
            var id = $"XNAT_E{Interlocked.Increment(ref _experimentNumber):D5}";
            _experiments[key] = new XnatExperiment(id, project, subject, label, files, DateTimeOffset.UtcNow);
            Save();
        }
        else
        {
            uri = $"/data/prearchive/projects/{project}/{DateTimeOffset.UtcNow:yyyyMMdd_HHmmssfff}/{label}";
        }

        await Text(http, HttpStatusCode.OK, uri);
    }

    private const string UserItem = "xnat-user";

    /// <summary>The user of the session cookie or the basic credentials; null when neither is valid.</summary>
    private string? User(HttpRequest request) =>
        request.Cookies.TryGetValue("JSESSIONID", out var session) && _sessions.TryGetValue(session, out var user) ? user : BasicUser(request);

    private string? BasicUser(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.Ordinal))
        {
            return null;
        }

        try
        {
            var pair = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..]));
            var colon = pair.IndexOf(':', StringComparison.Ordinal);
            var (name, password) = colon < 0 ? (pair, "") : (pair[..colon], pair[(colon + 1)..]);
            return name == _username && password == _password ? name
                : _users.TryGetValue(name, out var known) && known.Password == password ? name
                : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>The administrator uses every project; another user the projects it is a member of, and new ones (it creates them).</summary>
    private bool MayUse(string user, string project) =>
        user == _username || !_projects.ContainsKey(project) || (_users.TryGetValue(user, out var known) && known.Projects.Contains(project));

    /// <summary>The project a call is about: in its path (/data/projects/P…), its project query, or its import destination.</summary>
    private static string? ProjectOf(HttpRequest request)
    {
        var path = request.Path.Value ?? "";
        if (path.StartsWith("/data/projects/", StringComparison.Ordinal))
        {
            return path["/data/projects/".Length..].Split('/')[0];
        }

        if (request.Query["project"].ToString() is { Length: > 0 } project)
        {
            return project;
        }

        return request.Query["dest"].ToString().Split('/', StringSplitOptions.RemoveEmptyEntries) is ["archive", "projects", var destination, ..] ? destination : null;
    }

    // XNAT's JSON keeps its field names as they are (ResultSet, Result, totalRecords): no camel-casing.
    private static readonly System.Text.Json.JsonSerializerOptions XnatJson = new();

    private static Task ResultSet(HttpContext http, IEnumerable<Dictionary<string, string>> rows)
    {
        var result = rows.ToList();
        return Results.Json(new { ResultSet = new { Result = result, totalRecords = result.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) } },
            XnatJson).ExecuteAsync(http);
    }

    private static Task Text(HttpContext http, HttpStatusCode status, string text)
    {
        http.Response.StatusCode = (int)status;
        http.Response.ContentType = "text/plain; charset=utf-8";
        return http.Response.WriteAsync(text, http.RequestAborted);
    }

    private sealed record Archive(Dictionary<string, string> Projects, List<XnatExperiment> Experiments);

    private void Load()
    {
        if (_archiveFile is null || !File.Exists(_archiveFile))
        {
            return;
        }

        var archive = System.Text.Json.JsonSerializer.Deserialize<Archive>(File.ReadAllText(_archiveFile), XnatJson)!;
        foreach (var (project, code) in archive.Projects)
        {
            _projects[project] = code;
        }

        foreach (var experiment in archive.Experiments)
        {
            _experiments[$"{experiment.Project}/{experiment.Label}"] = experiment;
        }

        _experimentNumber = archive.Experiments.Select(e => int.Parse(e.Id["XNAT_E".Length..], System.Globalization.CultureInfo.InvariantCulture)).DefaultIfEmpty().Max();
    }

    // Written whole to a temporary file and renamed, so a stand-in killed mid-write keeps the previous archive.
    private void Save()
    {
        if (_archiveFile is null)
        {
            return;
        }

        lock (_saving)
        {
            var archive = new Archive(new Dictionary<string, string>(_projects), [.. _experiments.Values.OrderBy(e => e.Id, StringComparer.Ordinal)]);
            File.WriteAllText(_archiveFile + ".tmp", System.Text.Json.JsonSerializer.Serialize(archive, XnatJson));
            File.Move(_archiveFile + ".tmp", _archiveFile, overwrite: true);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
