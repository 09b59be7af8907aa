using System.ComponentModel.DataAnnotations;

namespace Imaging.ResultsApi.FileFront;

/// <summary>
/// nginx in front of ResultsApi, sending the bytes of the files ResultsApi authorised (X-Accel-Redirect). Off unless a
/// deployment puts such a front there (docs/results-api.md, "A web server in front for the bytes").
/// </summary>
public sealed class FileFrontOptions
{
    public const string SectionName = "FileFront";

    /// <summary>Answer file GETs that came through the front with X-Accel-Redirect, leaving the bytes to it.</summary>
    public bool Enabled { get; set; }

    /// <summary>The front's internal location that maps to the storage root (nginx: <c>location /_files/ { internal; alias &lt;root&gt;/; }</c>).</summary>
    [RegularExpression("^/[A-Za-z0-9_-]+/$", ErrorMessage = "FileFront:InternalPrefix is one path segment between slashes, such as /_files/.")]
    public string InternalPrefix { get; set; } = "/_files/";
}
