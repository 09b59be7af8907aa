namespace ImagingImport.Tests;

/// <summary>
/// The test classes whose imports run in the background: they run one after the other, as the import phases are
/// metrics of a static meter that a MeterListener in one class would otherwise also hear from the other.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ImportMetricsCollection
{
    public const string Name = "imports measured by phase";
}
