using Microsoft.AspNetCore.Http;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Words for the problem details the framework writes itself, which otherwise carry a bare reason phrase: a parameter
/// or body that cannot be bound, a body over the size limit or of the wrong content type, a path or method nothing
/// maps, an unexpected failure. Problems a handler wrote (they have a detail) keep their own words.
/// </summary>
public static class FrameworkProblems
{
    /// <summary>For ProblemDetailsOptions.CustomizeProblemDetails.</summary>
    public static void Describe(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        if (problem.Detail is not null)
        {
            return;
        }

        var request = context.HttpContext.Request;
        // The exception's message names the parameter or the limit; with ThrowOnBadRequest off there is none.
        var said = context.Exception is BadHttpRequestException bad ? bad.Message + " " : "";
        (problem.Title, problem.Detail) = problem.Status switch
        {
            StatusCodes.Status400BadRequest => ("Unreadable request",
                $"{said}Send the parameters and the body as the operation's description in /openapi/v1.json says (JSON bodies in its shape)."),
            StatusCodes.Status404NotFound => ("No such endpoint", $"Nothing answers {request.Method} {request.Path}; /openapi/v1.json lists the operations."),
            StatusCodes.Status405MethodNotAllowed => ("Method not allowed",
                $"{request.Path} does not take {request.Method}; /openapi/v1.json lists the methods it takes."),
            StatusCodes.Status413PayloadTooLarge => ("Request body too large", $"{said}Send a smaller body."),
            StatusCodes.Status415UnsupportedMediaType => ("Unsupported content type", $"{said}Send the body with Content-Type: application/json."),
            >= 500 => (problem.Title ?? "Unexpected failure",
                $"The service failed on this request; try again, and tell the administrator (with the traceId) if it keeps failing."),
            _ => (problem.Title, "See the operation's description in /openapi/v1.json for what it takes and answers."),
        };
    }
}
