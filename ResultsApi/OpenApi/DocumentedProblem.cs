namespace Imaging.ResultsApi.OpenApi;

/// <summary>
/// Endpoint metadata: the endpoint answers <paramref name="StatusCode"/> with problem details. Unlike the framework's
/// ProducesProblem it adds application/problem+json beside a body of another type for the same status (the vendor API's
/// 400 is either its own body or problem details), and it can say when the answer comes.
/// </summary>
public sealed record DocumentedProblem(int StatusCode, string? Description = null);
