using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Imaging.LocalServers;

/// <summary>PostgreSQL from the Debian package, with Aspire's connection string (Host=…;Port=…;Username=postgres;Password=…).</summary>
public sealed class LocalPostgresResource(string name, string command, string dataDirectory, ParameterResource password, string binDirectory)
    : LocalServerResource(name, command, dataDirectory, password)
{
    public string BinDirectory { get; } = binDirectory;

    public string PgData => Path.Combine(DataDirectory, "pgdata");

    /// <summary>Resource name → database name, created once the server is ready.</summary>
    internal Dictionary<string, string> Databases { get; } = new(StringComparer.OrdinalIgnoreCase);

    public override ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"Host={Host};Port={Port};Username=postgres;Password={PasswordParameter}");
}

/// <summary>A database of a local PostgreSQL, shown under it on the dashboard, healthy once it takes connections.</summary>
public sealed class LocalPostgresDatabaseResource(string name, string databaseName, LocalPostgresResource parent)
    : Resource(name), IResourceWithParent<LocalPostgresResource>, IResourceWithConnectionString
{
    public LocalPostgresResource Parent { get; } = parent;

    public string DatabaseName { get; } = databaseName;

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create($"{Parent};Database={DatabaseName}");

    internal string? ConnectionString { get; set; }
}

public static class LocalPostgresExtensions
{
    /// <summary>
    /// initdb on first use (password authentication on TCP), then the postmaster in the foreground. PostgreSQL refuses to
    /// run as root, so as root it runs as the package's 'postgres' user through setpriv, which execs: the process DCP
    /// watches is the postmaster itself.
    /// </summary>
    public static IResourceBuilder<LocalPostgresResource> AddLocalPostgres(this IDistributedApplicationBuilder builder, string name, LocalServerOptions options, int? port = null)
    {
        var binDirectory = options.Binaries.PostgresBinDirectory ?? FindDebianBinDirectory();
        var postgres = LocalServerResource.RequireFile(Path.Combine(binDirectory, "postgres"), "PostgreSQL", "postgresql");
        LocalServerResource.RequireFile(Path.Combine(binDirectory, "initdb"), "PostgreSQL", "postgresql");
        var password = ParameterResourceBuilderExtensions.CreateDefaultPasswordParameter(builder, $"{name}-password");
        var server = new LocalPostgresResource(name, LocalServerResource.IsRoot ? "/usr/bin/setpriv" : postgres,
            Path.Combine(options.DataDirectory, name), password, binDirectory);
        CheckDataFolder(server);

        var healthCheckKey = $"{name}_check";
        builder.Services.AddHealthChecks().AddNpgSql(_ => server.RequireConnectionString() + ";Database=postgres", name: healthCheckKey);
        return builder.AddLocalServer(server, healthCheckKey, port)
            .WithIconName("DatabaseMultiple")
            .WithArgs(context =>
            {
                if (LocalServerResource.IsRoot)
                {
                    context.Args.Add("--reuid=postgres");
                    context.Args.Add("--regid=postgres");
                    context.Args.Add("--init-groups");
                    context.Args.Add("--");
                    context.Args.Add(postgres);
                }

                foreach (var argument in (string[])["-D", server.PgData, "-p", server.ListenPort.ToString(CultureInfo.InvariantCulture),
                    "-c", "listen_addresses=127.0.0.1",
                    // No Unix socket: nothing here uses one, and /var/run/postgresql may not be ours to write.
                    "-c", "unix_socket_directories=",
                    "-c", "max_connections=300",
                    "-c", "logging_collector=off"])
                {
                    context.Args.Add(argument);
                }
            })
            .OnBeforeResourceStarted(async (resource, started, cancellationToken) =>
            {
                await PublishDatabaseStateAsync(resource, started.Services, KnownResourceStates.Starting);
                await PrepareAsync(resource, cancellationToken);
            })
            // Aspire passes a parent's state on to its children only for containers: a database follows its server here.
            .OnResourceReady(async (resource, ready, cancellationToken) =>
            {
                await CreateDatabasesAsync(resource, cancellationToken);
                await PublishDatabaseStateAsync(resource, ready.Services, KnownResourceStates.Running);
            })
            .OnResourceStopped((resource, stopped, _) => PublishDatabaseStateAsync(resource, stopped.Services, stopped.ResourceEvent.Snapshot.State?.Text));
    }

    public static IResourceBuilder<LocalPostgresDatabaseResource> AddDatabase(this IResourceBuilder<LocalPostgresResource> server, string name, string? databaseName = null)
    {
        var database = new LocalPostgresDatabaseResource(name, databaseName ?? name, server.Resource);
        server.Resource.Databases[name] = database.DatabaseName;
        var healthCheckKey = $"{name}_check";
        server.ApplicationBuilder.Services.AddHealthChecks().AddNpgSql(
            _ => database.ConnectionString ?? throw new InvalidOperationException($"The connection string of '{name}' is not resolved yet."), name: healthCheckKey);
        return server.ApplicationBuilder.AddResource(database)
            .WithIconName("Database")
            .WithInitialState(new CustomResourceSnapshot { ResourceType = "PostgresDatabase", State = KnownResourceStates.NotStarted, Properties = [] })
            .OnConnectionStringAvailable(async (resource, _, cancellationToken) =>
                resource.ConnectionString = await resource.ConnectionStringExpression.GetValueAsync(cancellationToken))
            .WithHealthCheck(healthCheckKey);
    }

    private static async Task PublishDatabaseStateAsync(LocalPostgresResource server, IServiceProvider services, string? state)
    {
        var notifications = services.GetRequiredService<ResourceNotificationService>();
        foreach (var database in services.GetRequiredService<DistributedApplicationModel>().Resources.OfType<LocalPostgresDatabaseResource>().Where(d => d.Parent == server))
        {
            await notifications.PublishUpdateAsync(database, snapshot => snapshot with { State = state });
        }
    }

    private static void CheckDataFolder(LocalPostgresResource server)
    {
        if (LocalServerResource.IsRoot)
        {
            // The server runs as 'postgres', which needs search permission on every folder above its data.
            for (var folder = Path.GetDirectoryName(Path.GetFullPath(server.DataDirectory)); folder is not null; folder = Path.GetDirectoryName(folder))
            {
                if (Directory.Exists(folder) && !File.GetUnixFileMode(folder).HasFlag(UnixFileMode.OtherExecute))
                {
                    throw new DistributedApplicationException(
                        $"PostgreSQL runs as the 'postgres' user, which cannot reach {server.DataDirectory}: {folder} has no search permission for others. "
                        + $"Run 'chmod o+x {folder}', or put the app host's data elsewhere with --AppHost:DataDirectory=<folder>.");
                }
            }
        }

        var versionFile = Path.Combine(server.PgData, "PG_VERSION");
        if (File.Exists(versionFile))
        {
            var version = File.ReadAllText(versionFile).Trim();
            var installed = Path.GetFileName(Path.GetDirectoryName(server.BinDirectory.TrimEnd('/'))) ?? "";
            if (int.TryParse(installed, out _) && version != installed)
            {
                throw new DistributedApplicationException(
                    $"The PostgreSQL data folder {server.PgData} was made by PostgreSQL {version}, but the installed server is {installed}. "
                    + $"Delete {server.PgData} to start afresh, or upgrade it with pg_upgrade.");
            }
        }
        else if (Directory.Exists(server.PgData) && Directory.EnumerateFileSystemEntries(server.PgData).Any())
        {
            throw new DistributedApplicationException(
                $"The PostgreSQL data folder {server.PgData} is not empty but holds no cluster (no PG_VERSION): it is broken or not PostgreSQL's. "
                + "Move it away or delete it, and the app host will create a fresh one.");
        }
    }

    /// <summary>
    /// Creates the cluster on first use; later, if the password in the app host's user secrets has changed (they were
    /// reset, or the data folder came from elsewhere), sets it in single-user mode, so the secrets always decide.
    /// </summary>
    private static async Task PrepareAsync(LocalPostgresResource server, CancellationToken cancellationToken)
    {
        var password = await server.PasswordParameter.GetValueAsync(cancellationToken) ?? "";
        var stamp = Path.Combine(server.DataDirectory, ".password-sha256");
        var fingerprint = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(password)));
        Directory.CreateDirectory(server.DataDirectory);
        if (LocalServerResource.IsRoot)
        {
            await RunAsync("chown", ["postgres:postgres", server.DataDirectory], null, cancellationToken);
        }

        if (!File.Exists(Path.Combine(server.PgData, "PG_VERSION")))
        {
            var passwordFile = Path.Combine(server.DataDirectory, ".pwfile");
            await LocalServerResource.WritePrivateFileAsync(passwordFile, password + "\n", cancellationToken);
            try
            {
                if (LocalServerResource.IsRoot)
                {
                    await RunAsync("chown", ["postgres:postgres", passwordFile], null, cancellationToken);
                }

                await RunAsPostgresAsync(Path.Combine(server.BinDirectory, "initdb"),
                    ["-D", server.PgData, "-U", "postgres", "--auth-host=scram-sha-256", "--auth-local=trust", $"--pwfile={passwordFile}",
                     "-E", "UTF8", "--locale=C.UTF-8", "--no-instructions"], null, cancellationToken);
            }
            finally
            {
                File.Delete(passwordFile);
            }
        }
        else if (!File.Exists(stamp) || await File.ReadAllTextAsync(stamp, cancellationToken) != fingerprint)
        {
            await RunAsPostgresAsync(Path.Combine(server.BinDirectory, "postgres"), ["--single", "-D", server.PgData, "-c", "unix_socket_directories=", "postgres"],
                $"ALTER ROLE postgres PASSWORD '{password.Replace("'", "''", StringComparison.Ordinal)}';\n", cancellationToken);
        }

        await LocalServerResource.WritePrivateFileAsync(stamp, fingerprint, cancellationToken);
    }

    private static async Task CreateDatabasesAsync(LocalPostgresResource server, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(server.RequireConnectionString() + ";Database=postgres");
        await connection.OpenAsync(cancellationToken);
        foreach (var database in server.Databases.Values)
        {
            await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection);
            exists.Parameters.AddWithValue("name", database);
            if (await exists.ExecuteScalarAsync(cancellationToken) is null)
            {
                // The name is a validated resource name (letters, digits, hyphens): safe to quote.
                await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database}\"", connection);
                await create.ExecuteNonQueryAsync(cancellationToken);
            }
        }
    }

    private static string FindDebianBinDirectory()
    {
        const string root = "/usr/lib/postgresql";
        var newest = Directory.Exists(root)
            ? Directory.GetDirectories(root)
                .Select(d => (Folder: d, Version: int.TryParse(Path.GetFileName(d), out var v) ? v : -1))
                .Where(d => d.Version >= 0 && File.Exists(Path.Combine(d.Folder, "bin", "postgres")))
                .OrderByDescending(d => d.Version)
                .Select(d => Path.Combine(d.Folder, "bin"))
                .FirstOrDefault()
            : null;
        return newest ?? Path.Combine(root, "15", "bin");
    }

    private static Task RunAsPostgresAsync(string program, IReadOnlyList<string> arguments, string? input, CancellationToken cancellationToken) =>
        LocalServerResource.IsRoot
            ? RunAsync("/usr/bin/setpriv", ["--reuid=postgres", "--regid=postgres", "--init-groups", "--", program, .. arguments], input, cancellationToken)
            : RunAsync(program, arguments, input, cancellationToken);

    private static async Task RunAsync(string program, IReadOnlyList<string> arguments, string? input, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new DistributedApplicationException(
                $"{Path.GetFileName(program)} {string.Join(' ', arguments.Where(a => !a.StartsWith("--pwfile", StringComparison.Ordinal)))} failed (exit {process.ExitCode}):"
                + $"{Environment.NewLine}{(await output + await error).Trim()}");
        }
    }
}
