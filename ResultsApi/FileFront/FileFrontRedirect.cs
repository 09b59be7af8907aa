namespace Imaging.ResultsApi.FileFront;

/// <summary>
/// Decides whether a file GET is answered with X-Accel-Redirect. Kestrel has no sendfile: every byte it serves is copied
/// through user space, several times nginx's CPU for a large file. With a front, ResultsApi still authorises each request
/// exactly as before; it then names the file and nginx sends it (sendfile, Range, If-Range, If-None-Match).
/// </summary>
public sealed class FileFrontRedirect(IOptions<FileFrontOptions> options, IOptions<StorageOptions> storage)
{
    /// <summary>The request header the front sets (nginx: <c>proxy_set_header X-Sendfile-Type X-Accel-Redirect;</c>).</summary>
    public const string RequestHeader = "X-Sendfile-Type";

    public const string RequestHeaderValue = "X-Accel-Redirect";

    // Resolved once: the root does not change while the service runs, and this runs on every file GET.
    private readonly string _root = Path.GetFullPath(storage.Value.Root);

    /// <summary>
    /// The redirect for <paramref name="path"/> when the request came through the front and the path can travel in a
    /// header as it is; otherwise null, and the file is served as without a front. A client that sets the header itself
    /// while calling ResultsApi directly gets an empty answer naming the file's place, nothing more.
    /// </summary>
    public AccelRedirectHttpResult? For(HttpRequest request, string path, string contentType)
    {
        if (!options.Value.Enabled || request.Headers[RequestHeader] != RequestHeaderValue)
        {
            return null;
        }

        var relative = Path.GetRelativePath(_root, path).Replace(Path.DirectorySeparatorChar, '/');
        // nginx matches the header's URI as it is, undecoded: only names that need no escaping go to the front.
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) || !relative.All(IsPlain)
            ? null
            : new AccelRedirectHttpResult(options.Value.InternalPrefix + relative, contentType);
    }

    private static bool IsPlain(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or '+' or '/';
}
