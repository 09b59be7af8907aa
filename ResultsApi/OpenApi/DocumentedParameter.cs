namespace Imaging.ResultsApi.OpenApi;

/// <summary>Endpoint metadata: a header or query parameter the handler reads itself (so the generator cannot see it).</summary>
public sealed record DocumentedParameter(string Name, ParameterLocation In, string Description, bool Required);
