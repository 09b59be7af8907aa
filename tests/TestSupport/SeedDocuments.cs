using System.Text.Json.Nodes;

namespace Imaging.TestSupport;

/// <summary>
/// The seed documents that fix the APIs' paths and bodies, and the JSON bodies they show. Copies of shared/seeds are kept
/// in tests/TestSupport/Seeds (copied beside every test assembly), so a clean clone on a fresh machine has them.
/// </summary>
public static class SeedDocuments
{
    /// <summary>The seeds folder beside the test assembly.</summary>
    public static string Folder => Path.Combine(AppContext.BaseDirectory, "Seeds");

    /// <summary>
    /// Every JSON body of a seed document, in the order it shows them: each balanced {…} that parses as JSON (the seeds'
    /// schema sketches with placeholders such as STRING do not, and are left out).
    /// </summary>
    public static IReadOnlyList<JsonNode> JsonBodies(string fileName)
    {
        var text = File.ReadAllText(Path.Combine(Folder, fileName));
        List<JsonNode> bodies = [];
        for (var start = text.IndexOf('{', StringComparison.Ordinal); start >= 0; start = text.IndexOf('{', start + 1))
        {
            if (End(text, start) is { } end && TryParse(text[start..(end + 1)]) is { } body)
            {
                bodies.Add(body);
                start = end;
            }
        }

        return bodies;
    }

    /// <summary>The index of the brace that closes the one at <paramref name="start"/>, skipping braces inside strings.</summary>
    private static int? End(string text, int start)
    {
        var (depth, inString) = (0, false);
        for (var i = start; i < text.Length; i++)
        {
            var c = text[i];
            if (inString)
            {
                inString = c != '"' || text[i - 1] == '\\';
            }
            else if (c == '"')
            {
                inString = true;
            }
            else if (c == '{')
            {
                depth++;
            }
            else if (c == '}' && --depth == 0)
            {
                return i;
            }
        }

        return null;
    }

    private static JsonNode? TryParse(string json)
    {
        try
        {
            return JsonNode.Parse(json);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
