using System.Diagnostics;
using AppHost.Hosting.Orchestration;
using Microsoft.Extensions.Logging;

namespace AppHost.Hosting.Runtimes;

/// <summary>
/// PostgreSQL from the Debian package: initdb once (password auth on TCP, the generated password), then the
/// postmaster in the foreground. PostgreSQL refuses to run as root, so as root it runs as the package's
/// 'postgres' user through setpriv (which execs, so the process we watch is the postmaster itself).
/// </summary>
internal sealed class PostgresLocalServer(PostgresServerResource resource, LocalServerContext context) : LocalServer(resource, context)
{
    private string _binDirectory = "";

    private string PgData => Path.Combine(ServerDirectory, "pgdata");

    public override async Task PrepareAsync(CancellationToken cancellationToken)
    {
        _binDirectory = Context.Options.Binaries.PostgresBinDirectory ?? FindDebianBinDirectory();
        RequireFile(Path.Combine(_binDirectory, "postgres"), "PostgreSQL", "postgresql");
        RequireFile(Path.Combine(_binDirectory, "initdb"), "PostgreSQL", "postgresql");

        Directory.CreateDirectory(ServerDirectory);
        if (IsRoot)
        {
            CheckPostgresUserCanReach(ServerDirectory);
            await ChownAsync(ServerDirectory, cancellationToken);
        }

        if (File.Exists(Path.Combine(PgData, "PG_VERSION")))
        {
            var version = (await File.ReadAllTextAsync(Path.Combine(PgData, "PG_VERSION"), cancellationToken)).Trim();
            var binaryVersion = Path.GetFileName(Path.GetDirectoryName(_binDirectory)) ?? "";
            if (int.TryParse(binaryVersion, out _) && version != binaryVersion)
            {
                throw new DistributedApplicationException(
                    $"The PostgreSQL data folder {PgData} was made by PostgreSQL {version}, but the installed server is {binaryVersion}. "
                    + $"Delete {PgData} to start afresh, or upgrade it with pg_upgrade.");
            }

            return;
        }

        if (Directory.Exists(PgData) && Directory.EnumerateFileSystemEntries(PgData).Any())
        {
            throw new DistributedApplicationException(
                $"The PostgreSQL data folder {PgData} is not empty but holds no cluster (no PG_VERSION): it is broken or not PostgreSQL's. "
                + $"Move it away or delete it, and the app host will create a fresh one.");
        }

        Context.Logger.LogInformation("Initialising PostgreSQL data folder {DataFolder}", PgData);
        var passwordFile = Path.Combine(ServerDirectory, ".pwfile");
        WriteFile(passwordFile, Resource.Password + "\n", UnixFileMode.UserRead | UnixFileMode.UserWrite);
        try
        {
            if (IsRoot)
            {
                await ChownAsync(passwordFile, cancellationToken);
            }

            var (code, output) = await RunAsync(
                Path.Combine(_binDirectory, "initdb"),
                ["-D", PgData, "-U", PostgresServerResource.UserName, "--auth-host=scram-sha-256", "--auth-local=trust",
                 $"--pwfile={passwordFile}", "-E", "UTF8", "--locale=C.UTF-8", "--no-instructions"],
                cancellationToken);
            if (code != 0)
            {
                throw new DistributedApplicationException($"initdb failed for {PgData} (exit {code}):{Environment.NewLine}{output.Trim()}");
            }
        }
        finally
        {
            File.Delete(passwordFile);
        }
    }

    public override IReadOnlyList<ProcessSpec> CreateProcesses()
    {
        List<string> arguments =
        [
            "-D", PgData, "-p", Resource.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-c", "listen_addresses=127.0.0.1",
            // No Unix socket: nothing here uses it, and /var/run/postgresql may not be ours to write.
            "-c", "unix_socket_directories=",
            "-c", "max_connections=300",
            "-c", "logging_collector=off",
        ];
        var (file, args) = AsPostgresUser(Path.Combine(_binDirectory, "postgres"), arguments);
        return [new ProcessSpec($"{Resource.Name} (postgres)", file, args, ServerDirectory, new Dictionary<string, string>())
        {
            // SIGINT is PostgreSQL's "fast" shutdown; SIGTERM would wait for every client to leave.
            StopSignal = Signals.SigInt,
        }];
    }

    private static string FindDebianBinDirectory()
    {
        const string root = "/usr/lib/postgresql";
        var candidates = Directory.Exists(root)
            ? Directory.GetDirectories(root)
                .Where(d => int.TryParse(Path.GetFileName(d), out _))
                .OrderByDescending(d => int.Parse(Path.GetFileName(d), System.Globalization.CultureInfo.InvariantCulture))
                .Select(d => Path.Combine(d, "bin"))
                .ToList()
            : [];
        return candidates.FirstOrDefault(d => File.Exists(Path.Combine(d, "postgres"))) ?? Path.Combine(root, "15", "bin");
    }

    private static (string File, IReadOnlyList<string> Arguments) AsPostgresUser(string program, IReadOnlyList<string> arguments) =>
        IsRoot
            ? ("setpriv", ["--reuid=postgres", "--regid=postgres", "--init-groups", "--", program, .. arguments])
            : (program, arguments);

    private static void CheckPostgresUserCanReach(string directory)
    {
        // PostgreSQL runs as 'postgres', which needs search permission on every folder above its data.
        for (var current = Path.GetDirectoryName(Path.GetFullPath(directory)); current is not null; current = Path.GetDirectoryName(current))
        {
            var mode = File.GetUnixFileMode(current);
            if (!mode.HasFlag(UnixFileMode.OtherExecute))
            {
                throw new DistributedApplicationException(
                    $"PostgreSQL runs as the 'postgres' user, which cannot reach {directory}: {current} has no search permission for others. "
                    + $"Run 'chmod o+x {current}', or put the app host's data elsewhere with --data-dir <folder>.");
            }
        }
    }

    private static async Task ChownAsync(string path, CancellationToken cancellationToken)
    {
        var (code, output) = await RunAsync("chown", ["-R", "postgres:postgres", path], cancellationToken);
        if (code != 0)
        {
            throw new DistributedApplicationException(
                $"Could not give {path} to the 'postgres' user ({output.Trim()}). Is the postgresql package installed (it creates that user)?");
        }
    }

    private static async Task<(int Code, string Output)> RunAsync(string file, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var (program, args) = file == "chown" ? (file, arguments) : AsPostgresUser(file, arguments);
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return (process.ExitCode, await stdout + await stderr);
    }
}
