namespace AppHost;

/// <summary>
/// Names the app host's assembly for tests: DistributedApplicationTestingBuilder.CreateAsync&lt;AppHostAssembly&gt;()
/// runs its Main. (Its Program stays internal, so tests that also reference a service see only one Program.)
/// </summary>
public sealed class AppHostAssembly
{
    private AppHostAssembly()
    {
    }
}
