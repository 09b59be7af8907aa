namespace EndToEnd.Tests.Reliability;

/// <summary>One fault case's figures, as docs/reliability.md's table shows them.</summary>
public sealed record FaultFigures(string Case, int Made, int Accepted, int Completed, int Lost, int Duplicated, double RecoverySeconds, string Notes = "")
{
    /// <summary>Written to artifacts/reliability/ (one JSON file per case) and to the test's output.</summary>
    public void Write()
    {
        var directory = Path.Combine(RepositoryRoot(), "artifacts", "reliability");
        Directory.CreateDirectory(directory);
        var json = JsonSerializer.Serialize(this, new JsonSerializerOptions { WriteIndented = true });
        File.WriteAllText(Path.Combine(directory, $"{Case}.json"), json);
        TestContext.Current.TestOutputHelper?.WriteLine(json);
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "aspire.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? Path.GetTempPath();
    }
}
