using System.Globalization;
using AppHost.Hosting.Orchestration;

namespace AppHost.Hosting.Runtimes;

/// <summary>
/// RabbitMQ from the Debian package, called directly (the /usr/sbin wrapper switches user and writes under /var),
/// with every folder in {data}/{resource}. Erlang's port mapper (epmd) runs as our own child on a port of this
/// run, so stopping the app host leaves no epmd daemon behind and two app hosts never share one.
/// </summary>
internal sealed class RabbitMQLocalServer(RabbitMQServerResource resource, LocalServerContext context) : LocalServer(resource, context)
{
    private string _server = "";
    private string _epmd = "";
    private int _epmdPort;
    private int _distributionPort;

    public override Task PrepareAsync(CancellationToken cancellationToken)
    {
        var binDirectory = Context.Options.Binaries.RabbitMQBinDirectory ?? "/usr/lib/rabbitmq/bin";
        _server = RequireFile(Path.Combine(binDirectory, "rabbitmq-server"), "RabbitMQ", "rabbitmq-server");
        _epmd = RequireFile(Context.Options.Binaries.Epmd ?? "/usr/bin/epmd", "Erlang's epmd (part of RabbitMQ's dependencies)", "rabbitmq-server");
        _epmdPort = Context.Ports.Allocate();
        _distributionPort = Context.Ports.Allocate();

        foreach (var folder in new[] { "home", "mnesia", "log" })
        {
            Directory.CreateDirectory(Path.Combine(ServerDirectory, folder));
        }

        // default_user/default_pass only take effect when the node's database is first created, which is what
        // makes the generated password stick across restarts.
        WriteFile(Path.Combine(ServerDirectory, "rabbitmq.conf"), $"""
            loopback_users = none
            default_user = {RabbitMQServerResource.UserName}
            default_pass = {Resource.Password}
            log.console = true
            log.console.level = info
            log.file = false
            """ + "\n", UnixFileMode.UserRead | UnixFileMode.UserWrite);
        WriteFile(Path.Combine(ServerDirectory, "enabled_plugins"), "[].\n");
        return Task.CompletedTask;
    }

    public override IReadOnlyList<ProcessSpec> CreateProcesses()
    {
        var environment = Environment();
        var epmd = new ProcessSpec($"{Resource.Name} (epmd)", _epmd,
            ["-port", _epmdPort.ToString(CultureInfo.InvariantCulture), "-address", "127.0.0.1"], ServerDirectory, environment);
        var server = new ProcessSpec($"{Resource.Name} (rabbitmq-server)", _server, [], ServerDirectory, environment);
        return [epmd, server];
    }

    private Dictionary<string, string> Environment() => new()
    {
        ["HOME"] = Path.Combine(ServerDirectory, "home"),
        ["RABBITMQ_NODENAME"] = $"{Resource.Name}@localhost",
        ["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1",
        ["RABBITMQ_NODE_PORT"] = Resource.Port.ToString(CultureInfo.InvariantCulture),
        ["RABBITMQ_DIST_PORT"] = _distributionPort.ToString(CultureInfo.InvariantCulture),
        ["ERL_EPMD_ADDRESS"] = "127.0.0.1",
        ["ERL_EPMD_PORT"] = _epmdPort.ToString(CultureInfo.InvariantCulture),
        ["RABBITMQ_MNESIA_BASE"] = Path.Combine(ServerDirectory, "mnesia"),
        ["RABBITMQ_LOG_BASE"] = Path.Combine(ServerDirectory, "log"),
        ["RABBITMQ_CONFIG_FILE"] = Path.Combine(ServerDirectory, "rabbitmq"),
        ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(ServerDirectory, "enabled_plugins"),
        ["RABBITMQ_PID_FILE"] = Path.Combine(ServerDirectory, "rabbitmq.pid"),
        // Without this the distribution port listens on every interface.
        ["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] = "-kernel inet_dist_use_interface {127,0,0,1}",
    };
}
