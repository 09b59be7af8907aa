namespace AppHost.Demo;

/// <summary>What the app host prints when the demo job has finished.</summary>
internal static class DemoNotes
{
    /// <summary>
    /// The demo source's API token, printed once like the dashboard's login link: the job leaves it in a file only the
    /// owner can read, and the file is deleted once printed. Later runs find no file and print nothing.
    /// </summary>
    public static IReadOnlyList<string> ApiToken(string demoFolder)
    {
        var file = Path.Combine(demoFolder, "api-token");
        if (!File.Exists(file))
        {
            return [];
        }

        var lines = File.ReadAllLines(file);
        File.Delete(file);
        return lines is [var source, var token, ..]
            ? [$"Demo API token for source '{source}' (shown once, keep it): {token}", $"  use it as: curl -H 'Authorization: Token {token}' -H 'Source: {source}' …"]
            : [];
    }
}
