namespace Imaging.ResultsApi.FileFront;

/// <summary>An empty 200 with X-Accel-Redirect: the front sends the file at <paramref name="location"/> in its place.</summary>
public sealed class AccelRedirectHttpResult(string location, string contentType) : IResult, IStatusCodeHttpResult, IContentTypeHttpResult
{
    public const string Header = "X-Accel-Redirect";

    public string Location { get; } = location;

    public int? StatusCode => StatusCodes.Status200OK;

    public string? ContentType { get; } = contentType;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.StatusCode = StatusCodes.Status200OK;
        httpContext.Response.Headers[Header] = Location;
        httpContext.Response.ContentType = ContentType;
        httpContext.Response.ContentLength = 0;
        return Task.CompletedTask;
    }
}
