namespace Microsoft.Extensions.Hosting;

/// <summary>Text quoted back to a person (in a problem detail, a log, a failure message), kept to a readable length.</summary>
public static class TextExtensions
{
    /// <summary>The text itself when at most <paramref name="maxLength"/> characters, else its start and "…".</summary>
    public static string Shorten(this string text, int maxLength) => text.Length > maxLength ? text[..maxLength] + "…" : text;
}
