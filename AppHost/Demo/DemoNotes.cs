using AppHost.Servers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AppHost.Demo;

/// <summary>What the app host tells a person in its own log: logins and the demo's API token, once they exist.</summary>
internal static class DemoNotes
{
    /// <summary>Logs <paramref name="note"/> once the resource is healthy, e.g. the development login.</summary>
    public static IResourceBuilder<T> WithNoteWhenReady<T>(this IResourceBuilder<T> builder, Func<CancellationToken, Task<string>> note)
        where T : IResource =>
        builder.OnResourceReady(async (_, ready, cancellationToken) => Logger(ready.Services).LogInformation("{Note}", await note(cancellationToken)));

    /// <summary>
    /// When the demo job has finished: the demo login, and the demo source's API token, printed once like the dashboard's
    /// login link. The job leaves the token in a file only the owner can read, deleted once printed, so later runs print
    /// no token.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithDemoNotesWhenFinished(this IResourceBuilder<ProjectResource> job, string demoFolder, ParameterResource password) =>
        job.OnResourceStopped(async (_, stopped, cancellationToken) =>
        {
            if (stopped.ResourceEvent.Snapshot.ExitCode != 0)
            {
                return;
            }

            var logger = Logger(stopped.Services);
            logger.LogInformation("Demo login: demo / {Password}  (source 'demo'; walkthrough: docs/walkthrough.md; files in {Folder})",
                await password.GetValueAsync(cancellationToken), demoFolder);
            var file = Path.Combine(demoFolder, "api-token");
            if (File.Exists(file))
            {
                var lines = await File.ReadAllLinesAsync(file, cancellationToken);
                File.Delete(file);
                if (lines is [var source, var token, ..])
                {
                    logger.LogInformation("Demo API token for source '{Source}' (shown once, keep it): {Token}", source, token);
                    logger.LogInformation("  use it as: curl -H 'Authorization: Token {Token}' -H 'Source: {Source}' …", token, source);
                }
            }
        });

    /// <summary>Says at start how the servers run, and why: a newcomer should never have to guess.</summary>
    public static void LogServerRuntime(this DistributedApplication app, AppServers servers) =>
        Logger(app.Services).LogInformation("Servers run as {Form}: {Reason}. Data: {DataDirectory}",
            servers.AsContainers ? "containers" : "local processes from the Debian packages", servers.Reason, servers.DataDirectory);

    private static ILogger Logger(IServiceProvider services) => services.GetRequiredService<ILoggerFactory>().CreateLogger("AppHost");
}
