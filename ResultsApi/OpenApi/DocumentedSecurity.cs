namespace Imaging.ResultsApi.OpenApi;

/// <summary>
/// Endpoint metadata: the security scheme of an endpoint that checks its credentials in the handler (the vendor API's
/// source token), where no authorization policy tells the generator.
/// </summary>
public sealed record DocumentedSecurity(string Scheme);
