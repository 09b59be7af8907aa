namespace AppHost.Publishing;

internal static class PublishFiles
{
    /// <summary>Writes a file only its owner may read: it holds passwords and keys.</summary>
    public static void WritePrivate(string path, string text)
    {
        File.Delete(path);
        using var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = OperatingSystem.IsWindows() ? null : UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
        using var writer = new StreamWriter(stream);
        writer.Write(text);
    }
}
