using Microsoft.Extensions.Configuration;
using YamlDotNet.Serialization;

namespace AppHost.Publishing;

/// <summary>What the compose and Kubernetes writers share: YAML, private files, and the parameters' values.</summary>
internal static class PublishFiles
{
    // Objects are written in the order their members are declared; a null member is left out.
    private static readonly ISerializer Serializer = new SerializerBuilder()
        .WithQuotingNecessaryStrings()
        .DisableAliases()
        .ConfigureDefaultValuesHandling(DefaultValuesHandling.OmitNull)
        .Build();

    public static string Yaml(object document) => Serializer.Serialize(document);

    /// <summary>The items, or null (left out of the YAML) when there are none.</summary>
    public static List<T>? NonEmpty<T>(IEnumerable<T> items) => items.ToList() is { Count: > 0 } list ? list : null;

    /// <summary>Writes a file only its owner may read: it holds passwords and keys.</summary>
    public static void WritePrivate(string path, string text)
    {
        File.Delete(path);
        using var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = OperatingSystem.IsWindows() ? null : UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
        using var writer = new StreamWriter(stream);
        writer.Write(text);
    }

    /// <summary>
    /// The value of every parameter the workloads use, in first-use order. Aspire generates a generated parameter anew
    /// in publish mode, but a deployed volume keeps the password it was made with: so the value the last publish into
    /// this folder wrote (<paramref name="previous"/>) is kept, unless Parameters:{name} is configured.
    /// </summary>
    public static async Task<Dictionary<ParameterResource, string>> ParameterValuesAsync(IEnumerable<Workload> workloads, IConfiguration configuration,
        Func<ParameterResource, string?> previous, CancellationToken cancellationToken)
    {
        Dictionary<ParameterResource, string> values = [];
        foreach (var parameter in workloads.SelectMany(w => w.ParameterParts).Select(p => p.Parameter).Distinct())
        {
            values[parameter] = parameter.Default is GenerateParameterDefault && configuration[$"Parameters:{parameter.Name}"] is null && previous(parameter) is { } kept
                ? kept
                : await parameter.GetValueAsync(cancellationToken) ?? throw new DistributedApplicationException($"Parameter '{parameter.Name}' has no value: set Parameters:{parameter.Name}.");
        }

        return values;
    }
}
