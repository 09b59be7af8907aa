using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Aspire.Hosting.Testing;
using Imaging.LocalServers;
using Imaging.TestSupport;
using Npgsql;
using StackExchange.Redis;

namespace LocalServers.Tests;

/// <summary>
/// PostgreSQL (with a database), Redis, RabbitMQ and Orthanc from the Debian packages as Aspire executable resources,
/// run by DCP: each starts, reports healthy, answers its own client with the connection string it exposes, keeps its
/// data across a restart and leaves no process behind; a missing binary and a taken port are refused before anything
/// starts, with what to do.
/// </summary>
public sealed class LocalServersTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "imaging-tests", $"localservers-{Guid.NewGuid():N}"[..25]);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    [Fact]
    public async Task Each_server_starts_healthy_answers_on_its_connection_string_and_leaves_no_process_when_stopped()
    {
        var builder = Builder();
        var options = Options();
        var postgres = builder.AddLocalPostgres("postgres", options);
        postgres.AddDatabase("probedb");
        builder.AddLocalRedis("redis", options);
        builder.AddLocalRabbitMQ("messaging", options);
        builder.AddLocalOrthanc("pacs", options);
        List<int> started = [];

        await using (var app = await StartAsync(builder, "postgres", "probedb", "redis", "messaging", "pacs"))
        {
            await using (var connection = new NpgsqlConnection(await app.GetConnectionStringAsync("probedb", Ct)))
            {
                await connection.OpenAsync(Ct);
                await using var command = new NpgsqlCommand("SELECT current_database()", connection);
                Assert.Equal("probedb", await command.ExecuteScalarAsync(Ct));
            }

            await using (var redis = await ConnectionMultiplexer.ConnectAsync((await app.GetConnectionStringAsync("redis", Ct))!))
            {
                Assert.True((await redis.GetDatabase().PingAsync()) < TimeSpan.FromSeconds(5));
            }

            var amqp = new Uri((await app.GetConnectionStringAsync("messaging", Ct))!);
            Assert.Equal("amqp", amqp.Scheme);
            await using (var rabbit = await new RabbitMQ.Client.ConnectionFactory { Uri = amqp }.CreateConnectionAsync(Ct))
            {
                Assert.True(rabbit.IsOpen);
            }

            var orthanc = new Uri((await app.GetConnectionStringAsync("pacs", Ct))!);
            using var http = new HttpClient { BaseAddress = new Uri(orthanc.GetLeftPart(UriPartial.Authority)) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.UnescapeDataString(orthanc.UserInfo))));
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/system", Ct)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/dicom-web/studies", Ct)).StatusCode);
            using var anonymous = new HttpClient { BaseAddress = http.BaseAddress };
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/system", Ct)).StatusCode);
            started = app.ProcessesOf(["postgres", "redis", "messaging", "messaging-epmd", "pacs"]);
            Assert.True(started.Count >= 5, $"{started.Count} server process(es) found");
        }

        // DCP stops every server with the application, and their children with them: none of those processes is left.
        await ProcessTable.EventuallyAsync(() => !started.Any(ProcessTable.IsAlive), TimeSpan.FromSeconds(10));
        Assert.DoesNotContain(started, ProcessTable.IsAlive);
    }

    [Fact]
    public async Task Data_survives_a_restart_even_with_a_new_generated_password()
    {
        var connectionStrings = new List<string>();
        for (var run = 0; run < 2; run++)
        {
            var builder = Builder();
            builder.AddLocalPostgres("postgres", Options()).AddDatabase("keptdb");
            builder.AddLocalRedis("redis", Options());
            await using var app = await StartAsync(builder, "postgres", "keptdb", "redis");
            var database = (await app.GetConnectionStringAsync("keptdb", Ct))!;
            connectionStrings.Add(database);
            await using var connection = new NpgsqlConnection(database);
            await connection.OpenAsync(Ct);
            await using var redis = await ConnectionMultiplexer.ConnectAsync((await app.GetConnectionStringAsync("redis", Ct))!);
            if (run == 0)
            {
                await using var create = new NpgsqlCommand("CREATE TABLE kept (value text); INSERT INTO kept VALUES ('from the first run')", connection);
                await create.ExecuteNonQueryAsync(Ct);
                await redis.GetDatabase().StringSetAsync("kept", "from the first run");
            }
            else
            {
                await using var read = new NpgsqlCommand("SELECT value FROM kept", connection);
                Assert.Equal("from the first run", await read.ExecuteScalarAsync(Ct));
                Assert.Equal("from the first run", (string?)await redis.GetDatabase().StringGetAsync("kept"));
            }
        }

        // The second run generated its own password (no user secrets here), and the server took it.
        Assert.NotEqual(new NpgsqlConnectionStringBuilder(connectionStrings[0]).Password, new NpgsqlConnectionStringBuilder(connectionStrings[1]).Password);
    }

    [Fact]
    public void A_missing_binary_is_refused_with_the_Debian_package_to_install()
    {
        var builder = Builder();
        var options = new LocalServerOptions { DataDirectory = _data, Binaries = new ServerBinaries { RedisServer = "/nonexistent/redis-server", Orthanc = "/nonexistent/Orthanc" } };

        var redis = Assert.Throws<DistributedApplicationException>(() => builder.AddLocalRedis("redis", options));
        var orthanc = Assert.Throws<DistributedApplicationException>(() => builder.AddLocalOrthanc("pacs", options));

        Assert.Equal("Redis is not installed: /nonexistent/redis-server does not exist. Install it with: sudo apt-get install -y redis-server", redis.Message);
        Assert.Equal("Orthanc is not installed: /nonexistent/Orthanc does not exist. Install it with: sudo apt-get install -y orthanc", orthanc.Message);
    }

    [Fact]
    public void A_fixed_port_that_is_taken_is_refused_naming_the_port()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var port = ((IPEndPoint)holder.LocalEndpoint).Port;

        var refused = Assert.Throws<DistributedApplicationException>(() => Builder().AddLocalRedis("redis", Options(), port));

        Assert.StartsWith($"Port {port} on 127.0.0.1, asked for 'redis', is taken by another process.", refused.Message, StringComparison.Ordinal);
    }

    private LocalServerOptions Options() => new() { DataDirectory = _data };

    private static IDistributedApplicationTestingBuilder Builder() =>
        DistributedApplicationTestingBuilder.Create([], (options, _) => options.DisableDashboard = true);

    private static async Task<DistributedApplication> StartAsync(IDistributedApplicationTestingBuilder builder, params string[] resources)
    {
        var app = builder.Build();
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        patience.CancelAfter(TimeSpan.FromMinutes(2));
        await app.StartAsync(patience.Token);
        await Task.WhenAll(resources.Select(name => app.ResourceNotifications.WaitForResourceHealthyAsync(name, patience.Token)));
        return app;
    }
}
