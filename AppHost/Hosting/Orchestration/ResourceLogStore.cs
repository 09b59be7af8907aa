namespace AppHost.Hosting.Orchestration;

/// <summary>One line of a resource's console output.</summary>
public sealed record ConsoleLogLine(DateTimeOffset Timestamp, string Source, string Text, bool IsError, long Sequence);

/// <summary>
/// The console output of every process, kept in memory (bounded, for the dashboard and tests) and appended to
/// {data}/logs/{resource}.log so it outlives the run.
/// </summary>
public sealed class ResourceLogStore(string? logDirectory, int maxLinesPerResource = 10_000)
{
    private readonly Dictionary<string, LinkedList<ConsoleLogLine>> _lines = new(StringComparer.Ordinal);
    private readonly Dictionary<string, StreamWriter> _files = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private long _sequence;

    public event Action<string, ConsoleLogLine>? LineAdded;

    /// <summary><paramref name="source"/> is "resource" or "resource/replica".</summary>
    public void Append(string source, string text, bool isError)
    {
        var resource = source.Split('/')[0];
        ConsoleLogLine line;
        lock (_gate)
        {
            line = new ConsoleLogLine(DateTimeOffset.UtcNow, source, text, isError, ++_sequence);
            if (!_lines.TryGetValue(resource, out var list))
            {
                _lines[resource] = list = new LinkedList<ConsoleLogLine>();
            }

            list.AddLast(line);
            if (list.Count > maxLinesPerResource)
            {
                list.RemoveFirst();
            }

            if (logDirectory is not null)
            {
                if (!_files.TryGetValue(resource, out var writer))
                {
                    Directory.CreateDirectory(logDirectory);
                    writer = new StreamWriter(Path.Combine(logDirectory, resource + ".log"), append: true) { AutoFlush = true };
                    _files[resource] = writer;
                }

                writer.WriteLine($"{line.Timestamp:O} {source}{(isError ? " !" : "")} {text}");
            }
        }

        LineAdded?.Invoke(resource, line);
    }

    public IReadOnlyList<ConsoleLogLine> Get(string resource)
    {
        lock (_gate)
        {
            return _lines.TryGetValue(resource, out var list) ? [.. list] : [];
        }
    }

    public string Tail(string resource, int count) =>
        string.Join(Environment.NewLine, Get(resource).TakeLast(count).Select(l => "    " + l.Text));

    public void Close()
    {
        lock (_gate)
        {
            foreach (var writer in _files.Values)
            {
                writer.Dispose();
            }

            _files.Clear();
        }
    }
}
