namespace AppHost.Hosting.Orchestration;

/// <summary>The commands the dashboard offers on a resource, named as Aspire's dashboard names them.</summary>
public static class ResourceCommands
{
    public const string Start = "start";
    public const string Stop = "stop";
    public const string Restart = "restart";
}

public enum ResourceCommandOutcome
{
    Accepted,
    UnknownResource,
    NotAvailable,
}
