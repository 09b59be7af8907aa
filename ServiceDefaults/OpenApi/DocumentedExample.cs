namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Endpoint metadata: an example body, as JSON text, for the response with <paramref name="StatusCode"/> or, when it is
/// null, for the request. Text rather than objects so a seed's body is shown exactly as the seed has it.
/// </summary>
public sealed record DocumentedExample(int? StatusCode, string Json);
