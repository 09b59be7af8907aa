using System.Text.Json.Nodes;

namespace Imaging.TestSupport;

/// <summary>
/// The seed documents that fix the APIs' paths and bodies (shared/seeds, beside the repository: /work/shared/seeds on a
/// developer's machine, beside the clone in CI), and the JSON bodies they show.
/// </summary>
public static class SeedDocuments
{
    /// <summary>The seeds folder: shared/seeds in the nearest folder above the tests (or above the repository) that has one.</summary>
    public static string Folder
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var seeds = Path.Combine(dir.FullName, "shared", "seeds");
                if (Directory.Exists(seeds))
                {
                    return seeds;
                }
            }

            throw new DirectoryNotFoundException($"No shared/seeds folder above {AppContext.BaseDirectory}: the seed documents sit beside the repository.");
        }
    }

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
