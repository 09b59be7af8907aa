using System.Text.Json.Nodes;
using Imaging.Contracts.QualityTargets;
using Imaging.WorkflowWorker.QualityAnalysis.Images;
using Imaging.WorkflowWorker.QualityAnalysis.Measurements;

namespace Imaging.WorkflowWorker.QualityAnalysis;

/// <summary>An image held against the three levels: the seed's per-image body, and the measured values beside their tolerances.</summary>
public sealed record ImageEvaluation(string OverallScore, JsonObject Result, JsonObject Measurements);

/// <summary>Holds measured values against each level's tolerances and writes the seed's shape (quality-session-results).</summary>
public static class QualityEvaluation
{
    /// <summary>The seed's sample lists C, then B, then A.</summary>
    public static readonly string[] Levels = ["C", "B", "A"];

    public static ImageEvaluation Evaluate(MeasuredImage measured, TargetImage image, QualityTarget target, string imageTag, QualityAnalysisOptions options)
    {
        bool Passes(MetricDefinition metric, string level) => measured.Values.GetValueOrDefault(metric.Name) is { } value && double.IsFinite(value)
            && (metric.Bound == BoundKind.AtMost ? value <= metric.Tolerance(options.Level(level)) : value >= metric.Tolerance(options.Level(level)));

        var result = new JsonObject();
        var passedLevels = new HashSet<string>();
        foreach (var level in Levels)
        {
            var results = new JsonObject();
            var all = MetricCatalogue.All.All(m => Passes(m, level));
            results["passed"] = all;
            foreach (var category in MetricCatalogue.Categories)
            {
                var metrics = new JsonObject();
                foreach (var metric in MetricCatalogue.All.Where(m => m.Category == category).OrderBy(m => m.Name, StringComparer.Ordinal))
                {
                    metrics[metric.Name] = Passes(metric, level) ? "succeeded" : "failed";
                }

                results[category] = metrics;
            }

            result[level] = new JsonObject { ["completed"] = true, ["results"] = results };
            if (all)
            {
                passedLevels.Add(level);
            }
        }

        var overall = new[] { "A", "B", "C" }.FirstOrDefault(passedLevels.Contains) ?? "None";
        result["image_tag"] = imageTag;
        result["overall_score"] = overall;

        var metricsOut = new JsonArray();
        foreach (var metric in MetricCatalogue.All)
        {
            var value = measured.Values.GetValueOrDefault(metric.Name);
            var entry = new JsonObject
            {
                ["category"] = metric.Category,
                ["name"] = metric.Name,
                ["value"] = value is { } v ? Math.Round(v, 4) : null,
                ["unit"] = metric.Unit,
                ["bound"] = metric.Bound == BoundKind.AtMost ? "at_most" : "at_least",
                ["tolerances"] = new JsonObject { ["A"] = metric.Tolerance(options.A), ["B"] = metric.Tolerance(options.B), ["C"] = metric.Tolerance(options.C) },
                ["passed"] = new JsonObject { ["A"] = Passes(metric, "A"), ["B"] = Passes(metric, "B"), ["C"] = Passes(metric, "C") },
                ["description"] = metric.Description,
                ["tolerance_source"] = metric.Provenance,
            };
            if (measured.Unmeasured.GetValueOrDefault(metric.Name) is { } reason)
            {
                entry["not_measured"] = reason;
            }

            metricsOut.Add(entry);
        }

        static JsonArray Lab(Colour.Lab lab) => [Math.Round(lab.L, 3), Math.Round(lab.A, 3), Math.Round(lab.B, 3)];
        JsonArray Patches(IEnumerable<PatchMeasurement> patches) => [.. patches.Select(p => (JsonNode)new JsonObject
        {
            ["name"] = p.Name, ["reference"] = Lab(p.Reference), ["measured"] = Lab(p.Measured), ["delta_e"] = Math.Round(p.DeltaE, 4),
        })];

        var measurements = new JsonObject
        {
            ["target"] = target.Id,
            ["image_tag"] = imageTag,
            ["overall_score"] = overall,
            ["width"] = image.Width,
            ["height"] = image.Height,
            ["bits_per_sample"] = image.BitsPerSample,
            ["colour_space"] = image.Colour.Name,
            ["stated_pixels_per_inch"] = image.PixelsPerInch,
            ["measured_pixels_per_inch"] = measured.MeasuredPixelsPerInch is { } ppi ? Math.Round(ppi, 3) : null,
            ["delta_e_formula"] = options.DeltaEFormula == Colour.DeltaEFormula.Ciede2000 ? "CIEDE2000" : "CIE76",
            ["geometry"] = new JsonObject
            {
                ["pixels_per_mm"] = Math.Round(measured.Geometry.PixelsPerMm, 5),
                ["rotation_degrees"] = Math.Round(measured.Geometry.RotationDegrees, 4),
                ["radial_k"] = Math.Round(measured.Geometry.RadialK, 6),
                ["fiducial_rms_pixels"] = Math.Round(measured.FiducialRmsPixels, 4),
            },
            ["metrics"] = metricsOut,
            ["grey_scale"] = Patches(measured.GreyScale),
            ["colour_patches"] = Patches(measured.ColourPatches),
            ["edges"] = new JsonArray([.. measured.Edges.Select(e => (JsonNode)new JsonObject
            {
                ["name"] = e.Name, ["mtf50"] = Math.Round(e.Mtf50, 4), ["mtf10"] = Math.Round(e.Mtf10, 4), ["max_modulation"] = Math.Round(e.MaxModulation, 4),
                ["angle_degrees"] = Math.Round(e.AngleDegrees, 3), ["misregistration_pixels"] = Math.Round(e.Misregistration, 4),
            })]),
        };
        return new ImageEvaluation(overall, result, measurements);
    }
}
