using Microsoft.Extensions.Configuration;

namespace Microsoft.Extensions.Hosting;

internal static class ConnectionStrings
{
    /// <summary>ConnectionStrings:{name}, as the app host injects it (ConnectionStrings__{name}); a clear error when absent.</summary>
    public static string Require(IConfiguration configuration, string name) =>
        configuration.GetConnectionString(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"Connection string '{name}' is missing. Start the service through the app host (dotnet run --project AppHost), "
                + $"or set ConnectionStrings:{name} in its configuration or the environment variable ConnectionStrings__{name}.");
}
