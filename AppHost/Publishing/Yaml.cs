using YamlDotNet.Serialization;

namespace AppHost.Publishing;

/// <summary>YAML as the publishers write it: maps in the order built, strings quoted where YAML would read them as something else.</summary>
internal static class Yaml
{
    private static readonly ISerializer Serializer = new SerializerBuilder()
        .WithQuotingNecessaryStrings()
        .DisableAliases()
        .Build();

    /// <summary>A map that keeps the order its keys were added in.</summary>
    public static OrderedDictionary<string, object?> Map() => new(StringComparer.Ordinal);

    public static string Serialize(object document) => Serializer.Serialize(document);
}
