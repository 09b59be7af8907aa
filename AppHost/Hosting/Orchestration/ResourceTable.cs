using System.Text;
using System.Text.RegularExpressions;

namespace AppHost.Hosting.Orchestration;

/// <summary>The table the app host prints once everything is up: what runs where, and how to reach it.</summary>
public static partial class ResourceTable
{
    public static string Render(IReadOnlyList<ResourceSnapshot> snapshots, IReadOnlyList<Resource> order)
    {
        var rows = order.Select(r => snapshots.First(s => s.Name == r.Name)).Select(s => new[]
        {
            s.Name, s.Kind, s.Runtime, s.State, s.Health.ToString(), s.Pids.Count == 0 ? "-" : string.Join(",", s.Pids),
            s.Restarts.ToString(System.Globalization.CultureInfo.InvariantCulture),
            s.ConnectionString is { } cs ? MaskPassword(cs) : string.Join(" ", s.Endpoints),
        }).ToList();
        string[] header = ["RESOURCE", "KIND", "RUNTIME", "STATE", "HEALTH", "PID", "RESTARTS", "ENDPOINT / CONNECTION (passwords in state.json)"];
        var widths = header.Select((h, i) => rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        var text = new StringBuilder();
        foreach (var row in rows.Prepend(header))
        {
            text.AppendLine(string.Join("  ", row.Select((cell, i) => i == row.Length - 1 ? cell : cell.PadRight(widths[i]))).TrimEnd());
        }

        return text.ToString().TrimEnd();
    }

    public static string MaskPassword(string connectionString) => PasswordPattern().Replace(connectionString, m => m.Groups[1].Value + "****");

    [GeneratedRegex(@"((?:password|Password)=|amqp://[^:]+:)[^;,@]+")]
    private static partial Regex PasswordPattern();
}
