using System.ComponentModel.DataAnnotations;

namespace Imaging.ResultsApi.Auth;

public sealed class AuthOptions
{
    public const string SectionName = "Auth";

    /// <summary>A token unused for this long expires.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromHours(1);

    /// <summary>A token expires this long after login, however much it is used.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan AbsoluteTimeout { get; set; } = TimeSpan.FromHours(11);
}

/// <summary>The first user, created at start when there is none (development, demo, first install).</summary>
public sealed class BootstrapOptions
{
    public const string SectionName = "Bootstrap";

    public string AdminUsername { get; set; } = "admin";

    /// <summary>When set and no user exists yet, an admin with this password is created in source <see cref="SourceName"/>.</summary>
    public string? AdminPassword { get; set; }

    public string SourceName { get; set; } = "default";

    public string WorkerUsername { get; set; } = "workflow-worker";

    /// <summary>When set, the reconstruction worker's service account exists with this password (kept in step on every start).</summary>
    public string? WorkerPassword { get; set; }

    public string DemoUsername { get; set; } = "demo";

    public string DemoSourceName { get; set; } = "demo";

    /// <summary>When set (the app host's demo data), the demo source's admin exists with this password (kept in step on every start).</summary>
    public string? DemoPassword { get; set; }
}
