using System.Text.Json;
using Imaging.WorkflowWorker.QualityAnalysis;
using Microsoft.Extensions.Configuration;

namespace WorkflowWorker.Tests.QualityAnalysis;

/// <summary>The tolerances in the worker's appsettings.json are the code's defaults, and configuration overrides one bound without losing the rest.</summary>
public sealed class QualityAnalysisOptionsTests
{
    private static readonly string Settings = Path.Combine(AppContext.BaseDirectory, "appsettings.json");

    [Fact]
    public void The_configured_tolerances_are_the_documented_defaults()
    {
        var bound = Bind(new ConfigurationBuilder().AddJsonFile(Settings));

        Assert.Equal(JsonSerializer.Serialize(new QualityAnalysisOptions()), JsonSerializer.Serialize(bound));
    }

    [Fact]
    public void Overriding_one_bound_keeps_the_others()
    {
        var bound = Bind(new ConfigurationBuilder().AddJsonFile(Settings)
            .AddInMemoryCollection(new Dictionary<string, string?> { ["QualityAnalysis:B:Noise"] = "1.9", ["QualityAnalysis:DeltaEFormula"] = "Cie76" }));

        Assert.Equal(1.9, bound.B.Noise);
        Assert.Equal(LevelTolerances.DefaultB().LabL, bound.B.LabL);
        Assert.Equal(LevelTolerances.DefaultA().Noise, bound.A.Noise);
        Assert.Equal(Imaging.WorkflowWorker.QualityAnalysis.Colour.DeltaEFormula.Cie76, bound.DeltaEFormula);
    }

    [Fact]
    public void Every_metric_of_the_seed_has_a_definition_and_every_level_is_stricter_than_the_next()
    {
        string[] seed = ["Delta_C", "Delta_E", "Lab_L", "Max_Gain_Modulation_L", "Min_Gain_Modulation_L", "MTF10", "MTF50", "Max_Misregistration", "Max_Modulation",
            "Min_Sampling_Efficiency", "Obt_Sampling_Rate", "Max_Delta_C", "Max_Delta_E", "Max_Delta_H", "Max_Delta_L", "Mean_Delta_C", "Mean_Delta_E", "Mean_Delta_H",
            "Mean_Delta_L", "Max_Delta_Gray", "Max_Delta_White", "Max_Distortion", "Max_Out_Black", "Max_Out_Gray", "Max_Out_White", "Visual_Noise"];
        Assert.Equal(seed.Order(StringComparer.Ordinal), MetricCatalogue.All.Select(m => m.Name).Order(StringComparer.Ordinal));
        var options = new QualityAnalysisOptions();
        Assert.All(MetricCatalogue.All, m => Assert.True(m.Bound == BoundKind.AtMost
            ? m.Tolerance(options.A) <= m.Tolerance(options.B) && m.Tolerance(options.B) <= m.Tolerance(options.C)
            : m.Tolerance(options.A) >= m.Tolerance(options.B) && m.Tolerance(options.B) >= m.Tolerance(options.C), m.Name));
    }

    private static QualityAnalysisOptions Bind(IConfigurationBuilder builder)
    {
        var options = new QualityAnalysisOptions();
        builder.Build().GetSection(QualityAnalysisOptions.SectionName).Bind(options);
        return options;
    }
}
