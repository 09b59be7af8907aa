using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.WebUtilities;

namespace Imaging.ResultsApi.OpenApi;

/// <summary>
/// The answers every endpoint can give because of how the service is built rather than what its handler does, read
/// from the endpoint's metadata so no endpoint can forget them: 401 (and 403 for a role) behind an authorization policy,
/// 429 behind a rate limit, 400 for an unreadable JSON body, 413 over the body limit, 507 for uploads on a full disk, and
/// 503 while the database is unreachable. Every error without a body gets the problem details schema.
/// </summary>
internal sealed class StandardResponsesTransformer : IOpenApiOperationTransformer
{
    public const string ProblemJson = "application/problem+json";

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        // One schema in components, referenced by every problem answer (SecuritySchemesTransformer puts it there).
        var problem = new OpenApiSchemaReference(nameof(ProblemDetails), context.Document);
        void Problem(int status, string description) =>
            OperationResponses.EnsureContent(OperationResponses.Get(operation, status, description), ProblemJson, problem);

        foreach (var declared in metadata.OfType<DocumentedProblem>())
        {
            Problem(declared.StatusCode, declared.Description ?? ReasonPhrases.GetReasonPhrase(declared.StatusCode));
        }

        if (metadata.OfType<IAllowAnonymous>().Any() is false
            && (metadata.OfType<IAuthorizeData>().Any() || metadata.OfType<AuthorizationPolicy>().Any()))
        {
            operation.Security ??= [];
            operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SecuritySchemesTransformer.Bearer, context.Document)] = [] });
            Problem(StatusCodes.Status401Unauthorized,
                "No valid access token: log in with POST /api/v1/userlogin/login and send 'Authorization: Bearer <token>'.");
            var roles = metadata.OfType<AuthorizationPolicy>().SelectMany(p => p.Requirements.OfType<RolesAuthorizationRequirement>())
                .SelectMany(r => r.AllowedRoles).Distinct().ToList();
            if (roles.Count > 0)
            {
                Problem(StatusCodes.Status403Forbidden, $"Your role may not do this; only {string.Join(" or ", roles)} may.");
                operation.Description = Append(operation.Description, $"Requires the role {string.Join(" or ", roles)}.");
            }
        }

        if (metadata.OfType<EnableRateLimitingAttribute>().Any())
        {
            Problem(StatusCodes.Status429TooManyRequests, "Too many attempts in a short time: wait the seconds Retry-After says, then try again.");
            var tooMany = OperationResponses.Get(operation, StatusCodes.Status429TooManyRequests, "");
            tooMany.Headers ??= new Dictionary<string, IOpenApiHeader>();
            tooMany.Headers["Retry-After"] = new OpenApiHeader
            {
                Description = "Seconds to wait before the next attempt.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.Integer },
            };
        }

        if (operation.RequestBody?.Content is { } content)
        {
            if (content.ContainsKey("application/json"))
            {
                Problem(StatusCodes.Status400BadRequest, "The body is not JSON of the documented shape.");
            }

            Problem(StatusCodes.Status413PayloadTooLarge, "The body is larger than the service accepts for this operation.");
        }

        if (metadata.OfType<IRequestSizeLimitMetadata>().Any())
        {
            Problem(StatusCodes.Status507InsufficientStorage, "The service has no room left to store the upload; nothing of it was kept.");
        }

        Problem(StatusCodes.Status503ServiceUnavailable, "The service cannot reach its database; nothing was changed. Try again later.");

        foreach (var (code, response) in operation.Responses!)
        {
            if (response is OpenApiResponse concrete && code.Length == 3 && code[0] is '4' or '5' && concrete.Content is not { Count: > 0 })
            {
                OperationResponses.EnsureContent(concrete, ProblemJson, problem);
            }
        }

        return Task.CompletedTask;
    }

    private static string Append(string? text, string sentence) => string.IsNullOrEmpty(text) ? sentence : $"{text} {sentence}";
}
