namespace Microsoft.Extensions.Hosting;

/// <summary>Text kept to a length: quoted back to a person (a problem detail, a log, a failure message), or stored in a field.</summary>
public static class TextExtensions
{
    /// <summary>The text itself when at most <paramref name="maxLength"/> characters, else its start and "…".</summary>
    public static string Shorten(this string text, int maxLength) => text.Length > maxLength ? text[..maxLength] + "…" : text;

    /// <summary>At most <paramref name="maxLength"/> characters, cut without a mark: for a value kept in a field of that length.</summary>
    public static string Clip(this string text, int maxLength) => text.Length > maxLength ? text[..maxLength] : text;
}
