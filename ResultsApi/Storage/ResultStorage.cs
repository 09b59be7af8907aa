using System.Security.Cryptography;

namespace Imaging.ResultsApi.Storage;

/// <summary>A stored file: its name, size and SHA-256.</summary>
public sealed record StoredFile(string Name, long Size, string Sha256);

public sealed class UploadTooLargeException(long limit) : Exception($"The upload is larger than the {limit} bytes accepted. Send at most {limit} bytes, or the files in several requests.")
{
    public long Limit { get; } = limit;
}

/// <summary>
/// Result files on disk under {root}/{workflow_id}/{task_id}/{result_id}/. A file name is a bare name from a strict
/// set of characters, so nothing a client sends can leave the result's folder; writes go to a temporary name and
/// are renamed into place, so a reader never sees half a file.
/// </summary>
public sealed class ResultStorage(IOptions<StorageOptions> options)
{
    private const string ConvertedFolder = ".part10";
    private const string RecordsFolder = "records";
    private const string DicomFolder = "dicom";
    private const string QualitySessionsFolder = "quality-sessions";

    private string Root => Path.GetFullPath(options.Value.Root);

    /// <summary>Why a file name is refused, or null when it is a safe bare name.</summary>
    public static string? ValidateFileName(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "The file name is empty.";
        }

        if (name.Length > 200)
        {
            return "The file name is longer than 200 characters.";
        }

        if (name[0] == '.' || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or '+')))
        {
            return "A file name holds only letters, digits and . - _ + (not first a dot): no separators, no encoded characters.";
        }

        return null;
    }

    public string ResultDirectory(Guid workflowId, Guid taskId, Guid resultId) =>
        Contain(Path.Combine(Root, workflowId.ToString(), taskId.ToString(), resultId.ToString()));

    public string FilePath(Guid workflowId, Guid taskId, Guid resultId, string name) =>
        ValidateFileName(name) is { } problem
            ? throw new ArgumentException(problem, nameof(name))
            : Contain(Path.Combine(ResultDirectory(workflowId, taskId, resultId), name));

    /// <summary>Writes a file from a stream: temporary name, size limit, SHA-256, then an atomic rename.</summary>
    public async Task<StoredFile> SaveAsync(Guid workflowId, Guid taskId, Guid resultId, string name, Stream content, CancellationToken cancellationToken)
    {
        var target = FilePath(workflowId, taskId, resultId, name);
        var size = await WriteAsync(target, content, cancellationToken);
        DropConversion(target);
        return size with { Name = name };
    }

    /// <summary>A record's raw data: {root}/records/{record_id}/{name}, written like a result file.</summary>
    public string RecordPath(int recordId, string name) =>
        ValidateFileName(name) is { } problem
            ? throw new ArgumentException(problem, nameof(name))
            : Contain(Path.Combine(Root, RecordsFolder, recordId.ToString(System.Globalization.CultureInfo.InvariantCulture), name));

    /// <summary>The job input a RecoJob carries for a record's file: its path under the storage root.</summary>
    public static string RecordInput(int recordId, string name) => $"{RecordsFolder}/{recordId.ToString(System.Globalization.CultureInfo.InvariantCulture)}/{name}";

    /// <summary>
    /// Writes an upload for a record beside its current raw data, under a hidden name, so it can be checked before it
    /// replaces anything: <see cref="CommitRecord"/> puts it in place, <see cref="File.Delete"/> of the path discards it.
    /// </summary>
    public async Task<(string StagedPath, StoredFile File)> StageRecordAsync(int recordId, string name, Stream content, CancellationToken cancellationToken)
    {
        var target = RecordPath(recordId, name);
        var staged = Path.Combine(Path.GetDirectoryName(target)!, $".staged-{Guid.NewGuid():N}");
        var stored = await WriteAsync(staged, content, cancellationToken);
        return (staged, stored with { Name = name });
    }

    /// <summary>Moves a staged upload into place as the record's only raw-data file.</summary>
    public void CommitRecord(string stagedPath, int recordId, string name)
    {
        var target = RecordPath(recordId, name);
        File.Move(stagedPath, target, overwrite: true);
        foreach (var old in Directory.EnumerateFiles(Path.GetDirectoryName(target)!).Where(f => f != target && !Path.GetFileName(f).StartsWith('.')))
        {
            File.Delete(old);
        }
    }

    /// <summary>Writes an incoming DICOM instance under a hidden name, to be checked before it is put in place or deleted.</summary>
    public async Task<(string StagedPath, StoredFile File)> StageDicomAsync(Stream content, CancellationToken cancellationToken)
    {
        var staged = Contain(Path.Combine(Root, DicomFolder, ".incoming", $"{Guid.NewGuid():N}.dcm"));
        // The staged name is itself hidden and temporary: no second temporary name and rename for it.
        return (staged, await WriteAsync(staged, content, cancellationToken, viaTemporary: false));
    }

    /// <summary>Where an instance lives; the UIDs must have been validated (digits and dots), which makes them safe names.</summary>
    public string DicomPath(Guid sourceId, string studyUid, string seriesUid, string sopInstanceUid) =>
        Contain(Path.Combine(Root, DicomFolder, sourceId.ToString(), studyUid, seriesUid, sopInstanceUid + ".dcm"));

    /// <summary>An analysis result file of a series: {root}/analysis/{source}/{series}/{name}; the series UID must have been validated.</summary>
    public string AnalysisPath(Guid sourceId, string seriesUid, string name) =>
        ValidateFileName(name) is { } problem
            ? throw new ArgumentException(problem, nameof(name))
            : Contain(Path.Combine(Root, "analysis", sourceId.ToString(), seriesUid, name));

    /// <summary>Writes an analysis result file (temporary name, then renamed); the same name again replaces it.</summary>
    public Task<StoredFile> SaveAnalysisFileAsync(Guid sourceId, string seriesUid, string name, Stream content, CancellationToken cancellationToken) =>
        WriteAsync(AnalysisPath(sourceId, seriesUid, name), content, cancellationToken);

    /// <summary>A quality session's folder: {root}/quality-sessions/{source}/{session}/, made fresh for each session.</summary>
    public string QualitySessionDirectory(Guid sourceId, Guid sessionId) =>
        Contain(Path.Combine(Root, QualitySessionsFolder, sourceId.ToString(), sessionId.ToString()));

    /// <summary>
    /// The folder of a session's image by its role, as in the session's zip: images/ for the two targets, files/ for the
    /// batch (so a batch image may share a target's name).
    /// </summary>
    public static string QualitySessionFolder(QualityImageRole role) => role == QualityImageRole.batch ? "files" : "images";

    public string QualitySessionPath(Guid sourceId, Guid sessionId, QualityImageRole role, string name) =>
        ValidateFileName(name) is { } problem
            ? throw new ArgumentException(problem, nameof(name))
            : Contain(Path.Combine(QualitySessionDirectory(sourceId, sessionId), QualitySessionFolder(role), name));

    /// <summary>Writes an image of a session (temporary name, then renamed), with its size and SHA-256.</summary>
    public Task<StoredFile> SaveQualitySessionFileAsync(Guid sourceId, Guid sessionId, QualityImageRole role, string name, Stream content,
        CancellationToken cancellationToken) =>
        WriteAsync(QualitySessionPath(sourceId, sessionId, role, name), content, cancellationToken);

    /// <summary>Removes a session's folder and everything in it; nothing when it is not there.</summary>
    public void DeleteQualitySession(Guid sourceId, Guid sessionId)
    {
        var directory = QualitySessionDirectory(sourceId, sessionId);
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Whether an I/O error says the disk (or the user's quota on it) is full: ENOSPC or EDQUOT.</summary>
    public static bool IsDiskFull(IOException error) =>
        error.HResult is 28 or 122 || error.Message.Contains("No space left on device", StringComparison.OrdinalIgnoreCase);

    /// <summary>Renames a staged file (its data already on disk) into place, and makes the new name durable.</summary>
    public void CommitStaged(string stagedPath, string target)
    {
        var folder = Path.GetDirectoryName(target)!;
        var made = MakeFolder(folder);
        File.Move(stagedPath, target, overwrite: true);
        SyncFolders(folder, made);
    }

    /// <summary>Makes a folder and those above it it needs; the highest one made, or null when it was there.</summary>
    private static string? MakeFolder(string folder)
    {
        if (Directory.Exists(folder))
        {
            return null;
        }

        var highest = folder;
        while (Path.GetDirectoryName(highest) is { } parent && !Directory.Exists(parent))
        {
            highest = parent;
        }

        Directory.CreateDirectory(folder);
        return highest;
    }

    /// <summary>After a rename into <paramref name="folder"/>: that folder, and the parents of any folder just made for it, to disk.</summary>
    private void SyncFolders(string folder, string? made)
    {
        if (options.Value.SyncToDisk)
        {
            DiskSync.Folders(folder, made is null ? folder : Path.GetDirectoryName(made));
        }
    }

    /// <summary>
    /// Copies the upload to <paramref name="target"/>, hashing it on the way, through a temporary name renamed at the end
    /// (so a reader never sees half a file) unless the target is a staging name already; with
    /// <see cref="StorageOptions.SyncToDisk"/> the data is on disk before the rename, and the name after. Reads from the client are
    /// asynchronous; writes to the page cache are synchronous, which on Linux saves a thread-pool hop per write.
    /// </summary>
    private async Task<StoredFile> WriteAsync(string target, Stream content, CancellationToken cancellationToken, bool viaTemporary = true)
    {
        var folder = Path.GetDirectoryName(target)!;
        var made = MakeFolder(folder);
        var temporary = viaTemporary ? Path.Combine(Path.GetDirectoryName(target)!, $".upload-{Guid.NewGuid():N}.tmp") : target;
        var completed = false;
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            long size = 0;
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0, useAsync: false))
            {
                int read;
                while ((read = await content.ReadAsync(buffer.AsMemory(0, 1 << 16), cancellationToken)) > 0)
                {
                    size += read;
                    if (size > options.Value.MaxUploadBytes)
                    {
                        throw new UploadTooLargeException(options.Value.MaxUploadBytes);
                    }

                    sha.AppendData(buffer, 0, read);
                    file.Write(buffer, 0, read);
                }

                if (options.Value.SyncToDisk)
                {
                    file.Flush(flushToDisk: true);
                }
            }

            if (viaTemporary)
            {
                File.Move(temporary, target, overwrite: true);
                SyncFolders(folder, made);
            }

            completed = true;
            return new StoredFile(Path.GetFileName(target), size, Convert.ToHexStringLower(sha.GetHashAndReset()));
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            if (viaTemporary || !completed)
            {
                File.Delete(temporary);
            }
        }
    }

    public void DeleteResult(Guid workflowId, Guid taskId, Guid resultId)
    {
        var directory = ResultDirectory(workflowId, taskId, resultId);
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>
    /// The file to serve as Part-10: the file itself when it is Part-10, else its conversion, made once (to a
    /// temporary name, then renamed) and kept until the source changes, so later and Range requests are plain files.
    /// </summary>
    public string Part10PathFor(string path)
    {
        if (Part10.IsPart10File(path))
        {
            return path;
        }

        var converted = Path.Combine(Path.GetDirectoryName(path)!, ConvertedFolder, Path.GetFileName(path));
        if (File.Exists(converted) && File.GetLastWriteTimeUtc(converted) >= File.GetLastWriteTimeUtc(path))
        {
            return converted;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(converted)!);
        var temporary = converted + $".{Guid.NewGuid():N}.tmp";
        try
        {
            using (var input = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
            using (var output = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
            {
                Part10.ConvertRawToPart10(input, output);
            }

            File.Move(temporary, converted, overwrite: true);
            return converted;
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private static void DropConversion(string path)
    {
        var converted = Path.Combine(Path.GetDirectoryName(path)!, ConvertedFolder, Path.GetFileName(path));
        if (File.Exists(converted))
        {
            File.Delete(converted);
        }
    }

    /// <summary>Belt and braces: whatever was combined must still be inside the root.</summary>
    private string Contain(string path)
    {
        var full = Path.GetFullPath(path);
        return full.StartsWith(Root + Path.DirectorySeparatorChar, StringComparison.Ordinal)
            ? full
            : throw new ArgumentException("The path leaves the storage root.", nameof(path));
    }
}
