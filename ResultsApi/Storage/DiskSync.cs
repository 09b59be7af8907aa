using System.Runtime.InteropServices;

namespace Imaging.ResultsApi.Storage;

/// <summary>
/// Makes a rename durable: fsync of the folder that holds the new name (and of the folders above it that were just
/// made), as POSIX asks for a directory entry to survive a power cut. .NET opens no handle on a folder, so libc is
/// called directly; elsewhere than Linux this does nothing.
/// </summary>
internal static class DiskSync
{
    // The same value on x86-64 and arm64 Linux; O_RDONLY is 0, and a folder opens read-only without O_DIRECTORY.
    private const int OpenCloseOnExec = 0x80000;

    /// <summary>fsync of <paramref name="folder"/>, then of each parent up to and including <paramref name="upTo"/>.</summary>
    public static void Folders(string folder, string? upTo = null)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var current = Path.GetFullPath(folder);
        var last = upTo is null ? current : Path.GetFullPath(upTo);
        while (true)
        {
            Folder(current);
            if (current == last || Path.GetDirectoryName(current) is not { } parent || !current.StartsWith(last, StringComparison.Ordinal))
            {
                return;
            }

            current = parent;
        }
    }

    private static void Folder(string path)
    {
        var descriptor = Open(path, OpenCloseOnExec);
        if (descriptor < 0)
        {
            throw new IOException($"Could not open folder {path} to sync it (errno {Marshal.GetLastPInvokeError()}).");
        }

        try
        {
            if (Fsync(descriptor) != 0)
            {
                throw new IOException($"Could not sync folder {path} to disk (errno {Marshal.GetLastPInvokeError()}).");
            }
        }
        finally
        {
            _ = Close(descriptor);
        }
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern int Open(string path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static extern int Fsync(int descriptor);

    [DllImport("libc", EntryPoint = "close")]
    private static extern int Close(int descriptor);
}
