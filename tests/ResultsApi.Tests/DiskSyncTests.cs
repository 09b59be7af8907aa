using Imaging.ResultsApi.Storage;

namespace ResultsApi.Tests;

/// <summary>The folder fsync behind a durable rename really calls the kernel: it syncs real folders and fails on a missing one.</summary>
public sealed class DiskSyncTests
{
    [Fact]
    public void Folders_up_the_tree_are_synced_and_a_missing_folder_is_an_error()
    {
        var top = Directory.CreateTempSubdirectory("disk-sync-").FullName;
        try
        {
            var deep = Directory.CreateDirectory(Path.Combine(top, "study", "series")).FullName;

            DiskSync.Folders(deep, upTo: top);

            var missing = Assert.Throws<IOException>(() => DiskSync.Folders(Path.Combine(top, "nowhere")));
            Assert.Contains("errno 2", missing.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(top, recursive: true);
        }
    }
}
