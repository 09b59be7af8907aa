using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

[assembly: AssemblyFixture(typeof(TestServers))]

namespace ResultsApi.Tests;

/// <summary>ResultsApi on the shared servers with its own database and storage folder; a test clock; two sources with a user each.</summary>
public class ResultsApiFactory(TestServers servers) : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string AdminPassword = "correct horse battery staple";

    public const string WorkerPassword = "worker password for tests";

    private string _database = "";

    /// <summary>The servers and this class's database, for running the service's command line against them.</summary>
    public Dictionary<string, string> ConnectionStrings => new()
    {
        ["ConnectionStrings__resultsdb"] = _database,
        ["ConnectionStrings__redis"] = servers.RedisConnectionString,
        ["ConnectionStrings__messaging"] = servers.RabbitMQConnectionString,
    };

    public string StorageRoot { get; } = Path.Combine(Path.GetTempPath(), "resultsapi-tests", Guid.NewGuid().ToString("N"));

    /// <summary>This class's own Redis keys, on the shared Redis.</summary>
    public string CacheKeyPrefix { get; } = $"resultsapi-tests:{Guid.NewGuid():N}:";

    /// <summary>What the service logged, for tests of what it tells its operators.</summary>
    public LogLines Logs { get; } = new();

    public ManualClock Clock { get; } = new(new DateTimeOffset(2026, 11, 23, 8, 0, 0, TimeSpan.Zero));

    public virtual async ValueTask InitializeAsync()
    {
        _database = await servers.CreateDatabaseAsync("resultsapi");
        Directory.CreateDirectory(StorageRoot);
        StartServer(); // start: migrations and the bootstrap admin (TestServer, or Kestrel when a subclass asks)

        // A second tenant with its own user, to prove one source never sees another's data.
        await using var scope = Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ResultsDbContext>();
        var other = db.Sources.Add(new Source { Id = Guid.NewGuid(), Name = "other-hospital", DatetimeCreated = Clock.GetUtcNow() }).Entity;
        var hasher = scope.ServiceProvider.GetRequiredService<IPasswordHasher<User>>();
        var user = new User { Username = "other", SourceId = other.Id, Role = Roles.Medical, PasswordHash = "", DatetimeCreated = Clock.GetUtcNow() };
        user.PasswordHash = hasher.HashPassword(user, "other-password");
        db.Users.Add(user);
        await db.SaveChangesAsync();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("ConnectionStrings:resultsdb", _database);
        builder.UseSetting("ConnectionStrings:redis", servers.RedisConnectionString);
        builder.UseSetting("ConnectionStrings:messaging", servers.RabbitMQConnectionString);
        builder.UseSetting("Storage:Root", StorageRoot);
        builder.UseSetting("Cache:KeyPrefix", CacheKeyPrefix);
        builder.UseSetting("Storage:MaxUploadBytes", (4 << 20).ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Storage:MaxInflatedDicomBytes", (16 << 20).ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Bootstrap:AdminPassword", AdminPassword);
        builder.UseSetting("Bootstrap:WorkerPassword", WorkerPassword);
        builder.UseSetting("SignedLinks:Key", "a key for signing result links in the tests, long enough");
        builder.UseSetting("Outbox:PollInterval", "00:00:00.200");
        builder.UseSetting("Outbox:PublishTimeout", "00:00:03");
        // The stable-series scan is driven by the tests that need it, not by a timer racing the others.
        builder.UseSetting("SeriesAnalysis:QueueWhenStableFor", "00:00:00");
        // Tests log in far more often than people; RateLimitTests sets its own small limits.
        builder.UseSetting("RateLimits:LoginPerClient", "1000000");
        builder.UseSetting("RateLimits:LoginPerUsername", "1000000");
        builder.UseSetting("RateLimits:TokensPerUser", "1000000");
        builder.ConfigureServices(services => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(Clock)));
        builder.ConfigureLogging(logging => logging.AddProvider(Logs));
    }

    /// <summary>A client logged in as <paramref name="username"/>.</summary>
    public async Task<HttpClient> LoginAsync(string username = "admin", string password = AdminPassword)
    {
        var client = CreateClient();
        using var response = await client.PostAsync("/api/v1/userlogin/login",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "password", ["username"] = username, ["password"] = password }));
        response.EnsureSuccessStatusCode();
        var token = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>Creates exam → workflow → task through the API and returns their ids.</summary>
    public static async Task<(Guid Exam, Guid Workflow, Guid Task)> CreateHierarchyAsync(HttpClient client, bool templateTask = false)
    {
        var exam = await PostAsync(client, "/api/v1/exam/new", new { name = "Brain MRI", patient_id = "P-1" });
        var workflow = await PostAsync(client, "/api/v1/exam/workflow/new", new { exam_id = exam, name = "Reconstruction" });
        var task = await PostAsync(client, "/api/v1/exam/task/new", new { workflow_id = workflow, name = "Recon", task_type = "RECONSTRUCTION", is_template = templateTask });
        return (exam, workflow, task);
    }

    private static async Task<Guid> PostAsync(HttpClient client, string path, object body)
    {
        using var response = await client.PostAsJsonAsync(path, body);
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(StorageRoot, recursive: true);
    }
}
