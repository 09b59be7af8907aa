using AppHost.Hosting.Orchestration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace AppHost.Dashboard.Apis;

/// <summary>The dashboard's view of the resources: their state, console output and the commands a person may give.</summary>
internal static class ResourcesApi
{
    public static void MapResourcesApi(this IEndpointRouteBuilder app, string host)
    {
        var api = app.MapGroup("/api/resources").RequireHost(host);
        api.MapGet("/", (ResourceNotificationService notifications, ResourceControl control) =>
            TypedResults.Ok(notifications.Current.Select(s => ResourceView.From(s, control.CommandsFor(s.Name)))));
        api.MapGet("/{name}/console", Results<Ok<ConsoleView>, NotFound<ProblemDetails>> (string name, long? after, ResourceNotificationService notifications, ResourceLogStore logs) =>
            notifications.Get(name) is null
                ? TypedResults.NotFound(Problem(404, "No such resource", $"There is no resource named '{name}'."))
                : TypedResults.Ok(new ConsoleView([.. logs.Get(name).Where(l => l.Sequence > (after ?? 0))])));
        api.MapPost("/{name}/commands/{command}", Results<Accepted<CommandView>, NotFound<ProblemDetails>, Conflict<ProblemDetails>> (string name, string command, ResourceNotificationService notifications, ResourceControl control) =>
            control.Execute(name, command) switch
            {
                ResourceCommandOutcome.Accepted => TypedResults.Accepted((string?)null, new CommandView(name, command)),
                ResourceCommandOutcome.UnknownResource => TypedResults.NotFound(Problem(404, "No such resource", $"There is no resource named '{name}'.")),
                _ => TypedResults.Conflict(Problem(409, "Command not available",
                    $"'{command}' cannot be run on {name} now (it is {notifications.Get(name)?.State ?? "unknown"}); it offers: {string.Join(", ", control.CommandsFor(name).DefaultIfEmpty("nothing"))}.")),
            });
    }

    internal static ProblemDetails Problem(int status, string title, string detail) => new() { Status = status, Title = title, Detail = detail };
}

/// <summary>A resource as the dashboard shows it: no connection strings (they carry passwords).</summary>
internal sealed record ResourceView(
    string Name,
    string Kind,
    string State,
    HealthStatus Health,
    string Runtime,
    IReadOnlyList<int> Pids,
    IReadOnlyList<string> Endpoints,
    int Restarts,
    int? ExitCode,
    string? Message,
    IReadOnlyList<string> WaitsFor,
    DateTimeOffset? StartedAt,
    IReadOnlyList<string> ReplicaIds,
    IReadOnlyList<string> Commands,
    IReadOnlyList<NamedUrl> Links)
{
    public static ResourceView From(ResourceSnapshot s, IReadOnlyList<string> commands) =>
        new(s.Name, s.Kind, s.State, s.Health, s.Runtime, s.Pids, s.Endpoints, s.Restarts, s.ExitCode, s.Message, s.WaitsFor, s.StartedAt, s.ReplicaIds, commands,
            s.Links);
}

internal sealed record ConsoleView(IReadOnlyList<ConsoleLogLine> Lines);

internal sealed record CommandView(string Resource, string Command);

/// <summary>The orchestrator's commands, as the dashboard reaches them (absent when the dashboard runs alone, e.g. in tests).</summary>
internal sealed record ResourceControl(Func<string, IReadOnlyList<string>> CommandsFor, Func<string, string, ResourceCommandOutcome> Execute)
{
    public static ResourceControl None { get; } = new(_ => [], (_, _) => ResourceCommandOutcome.UnknownResource);
}
