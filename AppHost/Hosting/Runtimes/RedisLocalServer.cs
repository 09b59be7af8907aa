using System.Globalization;
using AppHost.Hosting.Orchestration;

namespace AppHost.Hosting.Runtimes;

/// <summary>redis-server from the Debian package, in the foreground, configured by a file (the password stays off the command line).</summary>
internal sealed class RedisLocalServer(RedisResource resource, LocalServerContext context) : LocalServer(resource, context)
{
    private string _server = "";

    private string ConfigFile => Path.Combine(ServerDirectory, "redis.conf");

    public override Task PrepareAsync(CancellationToken cancellationToken)
    {
        _server = RequireFile(Context.Options.Binaries.RedisServer ?? "/usr/bin/redis-server", "Redis", "redis-server");
        Directory.CreateDirectory(ServerDirectory);
        var port = Resource.Port.ToString(CultureInfo.InvariantCulture);
        // Redis holds only what may be lost (cache, counters, locks); an append-only file keeps it across restarts anyway.
        WriteFile(ConfigFile, $"""
            port {port}
            bind 127.0.0.1
            protected-mode yes
            daemonize no
            dir {ServerDirectory}
            requirepass {Resource.Password}
            appendonly yes
            save ""
            logfile ""
            """ + "\n", UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return Task.CompletedTask;
    }

    public override IReadOnlyList<ProcessSpec> CreateProcesses() =>
        [new ProcessSpec($"{Resource.Name} (redis-server)", _server, [ConfigFile], ServerDirectory, new Dictionary<string, string>())];
}
