using System.Collections.Frozen;
using System.Text.Json;

namespace Imaging.Contracts.QualityTargets;

/// <summary>
/// The targets this build ships (embedded JSON, one file per target, named by its id). ResultsApi refuses a session
/// for a target not listed here; the worker measures against the same description.
/// </summary>
public static class QualityTargetCatalogue
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private static readonly Lazy<FrozenDictionary<string, QualityTarget>> Targets = new(Load);

    public static IReadOnlyCollection<string> Ids => Targets.Value.Keys;

    public static QualityTarget? Find(string id) => Targets.Value.GetValueOrDefault(id);

    /// <summary>Reads and checks one description; throws <see cref="InvalidDataException"/> with the reason when it does not hold together.</summary>
    public static QualityTarget Parse(Stream json)
    {
        var target = JsonSerializer.Deserialize<QualityTarget>(json, Json) ?? throw new InvalidDataException("The target description is empty.");
        Validate(target);
        return target;
    }

    private static FrozenDictionary<string, QualityTarget> Load()
    {
        var assembly = typeof(QualityTargetCatalogue).Assembly;
        var targets = new Dictionary<string, QualityTarget>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith("QualityTargets.", StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            var target = Parse(stream);
            targets.Add(target.Id, target);
        }

        return targets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static void Validate(QualityTarget target)
    {
        void Check(bool holds, string reason)
        {
            if (!holds)
            {
                throw new InvalidDataException($"Target '{target.Id}': {reason}.");
            }
        }

        bool Inside(TargetRect r) => r.Width > 0 && r.Height > 0 && r.X >= 0 && r.Y >= 0 && r.X + r.Width <= target.WidthMm && r.Y + r.Height <= target.HeightMm;
        static bool IsLab(double[]? lab) => lab is [>= 0 and <= 100, _, _];

        Check(!string.IsNullOrWhiteSpace(target.Id) && target.WidthMm > 0 && target.HeightMm > 0, "an id and a positive size are required");
        Check(IsLab(target.BackgroundLab), "background_lab is L*, a*, b* with L* from 0 to 100");
        Check(target.GreyScale is { Count: >= 3 }, "the grey scale needs at least three steps");
        Check(target.GreyScale.Zip(target.GreyScale.Skip(1)).All(p => p.First.Lab[0] > p.Second.Lab[0]), "grey-scale steps are listed from lightest to darkest");
        Check(target.ColourPatches is { Count: >= 1 }, "at least one colour patch is required");
        Check(target.SlantedEdges.Any(e => e.IsVertical) && target.SlantedEdges.Any(e => !e.IsVertical),
            "a vertical and a horizontal slanted edge are required");
        Check(target.SlantedEdges.All(e => e.Orientation is "vertical" or "horizontal" && e.AngleDegrees is >= 2 and <= 10 && IsLab(e.DarkLab) && IsLab(e.LightLab)),
            "slanted edges are 'vertical' or 'horizontal', turned 2 to 10 degrees, with dark and light CIELAB values");
        Check(target.UniformFields.Select(f => f.Name).Order().SequenceEqual(["black", "gray", "white"]), "uniform fields named black, gray and white are required");
        Check(target.Fiducials is { RadiusMm: > 0, Centres.Count: >= 5 } && IsLab(target.Fiducials.Lab), "at least five fiducial marks with a radius are required");
        var regions = target.GreyScale.Concat(target.ColourPatches).Select(p => p.Region)
            .Concat(target.SlantedEdges.Select(e => e.Region)).Concat(target.UniformFields.Select(f => f.Region)).ToList();
        Check(regions.All(Inside) && target.GreyScale.Concat(target.ColourPatches).All(p => IsLab(p.Lab)) && target.UniformFields.All(f => IsLab(f.Lab)),
            "every region lies on the target and every colour is CIELAB");
        var r = target.Fiducials.RadiusMm;
        Check(target.Fiducials.Centres.All(c => c.X - r >= 0 && c.Y - r >= 0 && c.X + r <= target.WidthMm && c.Y + r <= target.HeightMm
            && !regions.Any(g => c.X + r > g.X && c.X - r < g.X + g.Width && c.Y + r > g.Y && c.Y - r < g.Y + g.Height)),
            "fiducial marks lie on the target, clear of every region");
    }
}
