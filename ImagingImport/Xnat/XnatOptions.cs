using System.ComponentModel.DataAnnotations;

namespace Imaging.ImagingImport.Xnat;

public enum XnatAuthentication
{
    /// <summary>POST /data/JSESSION once with the account, then the JSESSIONID cookie; renewed on 401.</summary>
    Session,

    /// <summary>Basic auth on every call.</summary>
    Basic,

    /// <summary>An XNAT alias token (alias and secret) used as basic-auth credentials on every call.</summary>
    AliasToken,
}

public sealed class XnatOptions
{
    public const string SectionName = "Xnat";

    /// <summary>XNAT's base address, e.g. https://xnat.example.org/ (the REST API is under data/).</summary>
    [Required]
    public Uri? BaseUrl { get; set; }

    [Required]
    public string Username { get; set; } = "";

    [Required]
    public string Password { get; set; } = "";

    public XnatAuthentication Authentication { get; set; } = XnatAuthentication.Session;

    /// <summary>Every call but the import gives up after this long: the source platform hung without a timeout.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The import of one study's zip gives up after this long.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "02:00:00")]
    public TimeSpan ImportTimeout { get; set; } = TimeSpan.FromMinutes(10);
}
