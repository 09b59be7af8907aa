namespace Imaging.ResultsApi.Storage;

/// <summary>Why an instance was not stored: a DICOMweb Failure Reason (PS3.18, Store Instances Response) and words.</summary>
public sealed record StoreFailure(ushort Reason, string Message, string? SopClassUid = null, string? SopInstanceUid = null, bool OverUploadLimit = false)
{
    /// <summary>0xC000: the instance could not be understood (not Part-10, malformed, missing or invalid UIDs).</summary>
    public const ushort CannotUnderstand = 0xC000;

    /// <summary>0xA700: out of resources: larger than the upload limit (<see cref="OverUploadLimit"/>), or no space left on the archive's disk.</summary>
    public const ushort OutOfResources = 0xA700;

    public static StoreFailure DiskFull(string? sopClassUid = null, string? sopInstanceUid = null) => new(OutOfResources,
        "No space is left on the archive's disk: the instance was not stored and nothing of it was kept. Send it again once space is freed.",
        sopClassUid, sopInstanceUid);

    /// <summary>0x0110: processing failure.</summary>
    public const ushort ProcessingFailure = 0x0110;
}

/// <summary>The outcome of storing one instance: its index row, and whether anything changed (a re-sent instance changes nothing).</summary>
public sealed record StoredInstance(DicomInstance Instance, bool Changed);

/// <summary>An instance written under a hidden name and checked, not yet in place nor indexed.</summary>
public sealed record StagedInstance(string Path, StoredFile File, DicomInstance Instance);

/// <summary>
/// Stores DICOM instances for a source: the upload is written under a hidden name, read with the Dicom library up to
/// the pixel data, checked (Part-10, valid UIDs, the expected study, a deflated dataset that inflates within
/// <see cref="StorageOptions.MaxInflatedDicomBytes"/>), then put in place and indexed. The two steps are apart
/// (<see cref="StageAsync"/>, <see cref="CommitAsync"/>) so a request can check all its instances before it keeps any.
/// The same instance sent again with the same bytes changes nothing; with new bytes it replaces the old copy. A
/// refused instance leaves nothing behind.
/// </summary>
public sealed class DicomInstanceStore(ResultStorage storage, NewInstanceIndex index, TimeProvider time, IOptions<StorageOptions> options)
{
    public async Task<(StoredInstance? Stored, StoreFailure? Failure)> StoreAsync(ResultsDbContext db, Guid sourceId, Stream content, string? expectedStudyUid,
        CancellationToken cancellationToken)
    {
        var (staged, failure) = await StageAsync(sourceId, content, expectedStudyUid, cancellationToken);
        return staged is null ? (null, failure) : await CommitAsync(db, staged, cancellationToken);
    }

    /// <summary>
    /// Writes and checks an instance; on refusal nothing is left. <see cref="StoreFailure.OverUploadLimit"/> says it was
    /// over the upload limit; a full disk is <see cref="StoreFailure.DiskFull"/>.
    /// </summary>
    public async Task<(StagedInstance? Staged, StoreFailure? Failure)> StageAsync(Guid sourceId, Stream content, string? expectedStudyUid,
        CancellationToken cancellationToken)
    {
        string staged;
        StoredFile file;
        try
        {
            (staged, file) = await storage.StageDicomAsync(content, cancellationToken);
        }
        catch (UploadTooLargeException tooLarge)
        {
            return (null, new StoreFailure(StoreFailure.OutOfResources, tooLarge.Message, OverUploadLimit: true));
        }
        catch (IOException full) when (ResultStorage.IsDiskFull(full))
        {
            // The partial file is already gone (the writer deletes what it did not finish).
            return (null, StoreFailure.DiskFull());
        }

        var kept = false;
        try
        {
            var (instance, failure) = Index(staged, sourceId, file, expectedStudyUid);
            kept = failure is null;
            return kept ? (new StagedInstance(staged, file, instance!), null) : (null, failure);
        }
        finally
        {
            if (!kept)
            {
                File.Delete(staged);
            }
        }
    }

    /// <summary>Drops a staged instance that will not be committed.</summary>
    public static void Discard(StagedInstance staged) => File.Delete(staged.Path);

    /// <summary>Puts a staged instance in place and indexes it (or refuses it when its SOP Instance UID is stored under another series).</summary>
    public async Task<(StoredInstance? Stored, StoreFailure? Failure)> CommitAsync(ResultsDbContext db, StagedInstance staged, CancellationToken cancellationToken)
    {
        try
        {
            var (instance, file) = (staged.Instance, staged.File);
            var target = storage.DicomPath(instance.SourceId, instance.StudyInstanceUid, instance.SeriesInstanceUid, instance.SopInstanceUid);
            // A new instance, nearly always: nothing at its place yet. It is put there and indexed by one statement (one
            // round trip), which does nothing when a row for it exists: stored under another series, or by a concurrent
            // request a moment ago. Then, as for an instance sent again, the row decides.
            var placed = false;
            if (!File.Exists(target))
            {
                try
                {
                    storage.CommitStaged(staged.Path, target);
                }
                catch (IOException full) when (ResultStorage.IsDiskFull(full))
                {
                    // A new study's or series' folder needs a little room too.
                    return (null, StoreFailure.DiskFull(instance.SopClassUid, instance.SopInstanceUid));
                }

                placed = true;
                // Indexed with the rows of the requests storing at the same moment (one statement, one commit for all).
                var inserted = index.TryInsertAsync(instance) is { } grouped ? await grouped : await InsertNewAsync(db, instance, cancellationToken);
                if (inserted)
                {
                    return (new StoredInstance(instance, Changed: true), null);
                }
            }

            var existing = await db.Instances.SingleOrDefaultAsync(i => i.SourceId == instance.SourceId && i.SopInstanceUid == instance.SopInstanceUid, cancellationToken);
            if (existing is not null && (existing.StudyInstanceUid != instance.StudyInstanceUid || existing.SeriesInstanceUid != instance.SeriesInstanceUid))
            {
                if (placed)
                {
                    // Its file is under the other series: the one just put in place is nobody's.
                    File.Delete(target);
                }

                return (null, new StoreFailure(StoreFailure.CannotUnderstand,
                    $"SOP Instance {instance.SopInstanceUid} is already stored in series {existing.SeriesInstanceUid} of study {existing.StudyInstanceUid}.",
                    instance.SopClassUid, instance.SopInstanceUid));
            }

            if (existing?.Sha256 == file.Sha256)
            {
                // Placed here, it was a concurrent request's store of the same bytes.
                return (new StoredInstance(existing, Changed: placed), null);
            }

            if (!placed)
            {
                storage.CommitStaged(staged.Path, target);
            }

            if (existing is null)
            {
                db.Instances.Add(instance);
            }
            else
            {
                instance.Id = existing.Id;
                instance.DatetimeCreated = existing.DatetimeCreated;
                instance.DatetimeUpdated = time.GetUtcNow();
                db.Entry(existing).CurrentValues.SetValues(instance);
                instance = existing;
            }

            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException conflict) when (existing is null && conflict.InnerException is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation })
            {
                // The same instance indexed by a concurrent request a moment ago (a retried STOW, one series sent twice at
                // once; found by the soak): it is stored either way, unless that request put it in another series.
                db.ChangeTracker.Clear();
                var winner = await db.Instances.AsNoTracking().SingleAsync(i => i.SourceId == instance.SourceId && i.SopInstanceUid == instance.SopInstanceUid, cancellationToken);
                return winner.StudyInstanceUid == instance.StudyInstanceUid && winner.SeriesInstanceUid == instance.SeriesInstanceUid
                    ? (new StoredInstance(winner, Changed: true), null)
                    : (null, new StoreFailure(StoreFailure.CannotUnderstand,
                        $"SOP Instance {instance.SopInstanceUid} is already stored in series {winner.SeriesInstanceUid} of study {winner.StudyInstanceUid}.",
                        instance.SopClassUid, instance.SopInstanceUid));
            }

            return (new StoredInstance(instance, Changed: true), null);
        }
        finally
        {
            File.Delete(staged.Path);
        }
    }

    /// <summary>Indexes a new instance on its own (when <see cref="NewInstanceIndex"/> takes no rows); false when a row for its SOP Instance UID exists already.</summary>
    private static async Task<bool> InsertNewAsync(ResultsDbContext db, DicomInstance i, CancellationToken cancellationToken) =>
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO dicom_instances (source_id, study_instance_uid, series_instance_uid, sop_instance_uid, sop_class_uid, patient_id,
                patient_name, modality, accession_number, study_date, study_description, series_description, series_number,
                instance_number, number_of_frames, transfer_syntax_uid, size, sha256, datetime_created)
            VALUES ({i.SourceId}, {i.StudyInstanceUid}, {i.SeriesInstanceUid}, {i.SopInstanceUid}, {i.SopClassUid}, {i.PatientId},
                {i.PatientName}, {i.Modality}, {i.AccessionNumber}, {i.StudyDate}, {i.StudyDescription}, {i.SeriesDescription}, {i.SeriesNumber},
                {i.InstanceNumber}, {i.NumberOfFrames}, {i.TransferSyntaxUid}, {i.Size}, {i.Sha256}, {i.DatetimeCreated})
            ON CONFLICT (source_id, sop_instance_uid) DO NOTHING
            """, cancellationToken) == 1;

    private (DicomInstance? Instance, StoreFailure? Failure) Index(string path, Guid sourceId, StoredFile file, string? expectedStudyUid)
    {
        DicomFile dicom;
        try
        {
            var bounded = new DicomReaderOptions { MaxInflatedLength = options.Value.MaxInflatedDicomBytes };
            dicom = DicomReader.ReadFile(path, bounded with { StopAt = DicomTag.PixelData });
            // Reading up to the pixel data says nothing of what follows: the whole file must hold together (no length
            // past its end, no broken item), and a deflated one must inflate whole within the bound, or every later read
            // of it (WADO, metadata, analysis) would fail or pay for the bomb. Values stay on disk: only the structure is read.
            DicomReader.ReadFile(path, bounded with { DeferValuesLargerThan = 0 });
        }
        catch (DicomFormatException malformed)
        {
            return (null, new StoreFailure(StoreFailure.CannotUnderstand, $"Not a readable DICOM instance: {malformed.Message}"));
        }
        catch (InvalidDataException corrupt)
        {
            // The inflater's own error: a deflated dataset whose compressed data is broken.
            return (null, new StoreFailure(StoreFailure.CannotUnderstand, $"Not a readable DICOM instance: the deflated dataset is corrupt ({corrupt.Message})"));
        }

        var data = dicom.Dataset;
        var (sopClass, sopInstance) = (data.GetString(DicomTag.SOPClassUID), data.GetString(DicomTag.SOPInstanceUID));
        if (!dicom.IsPart10)
        {
            return (null, new StoreFailure(StoreFailure.CannotUnderstand, "Not a Part-10 file: DICOMweb stores application/dicom with its File Meta Information.",
                sopClass, sopInstance));
        }

        foreach (var (tag, name) in new[] { (DicomTag.SOPClassUID, "SOP Class UID"), (DicomTag.SOPInstanceUID, "SOP Instance UID"),
                     (DicomTag.StudyInstanceUID, "Study Instance UID"), (DicomTag.SeriesInstanceUID, "Series Instance UID") })
        {
            if (DicomUid.Validate(data.GetString(tag)) is { } invalid)
            {
                return (null, new StoreFailure(StoreFailure.CannotUnderstand, $"{name} {tag}: {invalid}", sopClass, sopInstance));
            }
        }

        var study = data.GetString(DicomTag.StudyInstanceUID)!;
        if (expectedStudyUid is not null && study != expectedStudyUid)
        {
            return (null, new StoreFailure(StoreFailure.CannotUnderstand, $"The instance belongs to study {study}, not to {expectedStudyUid} named in the URL.",
                sopClass, sopInstance));
        }

        return (new DicomInstance
        {
            SourceId = sourceId,
            StudyInstanceUid = study,
            SeriesInstanceUid = data.GetString(DicomTag.SeriesInstanceUID)!,
            SopInstanceUid = sopInstance!,
            SopClassUid = sopClass!,
            PatientId = data.GetString(DicomTag.PatientID),
            PatientName = data.GetString(DicomTag.PatientName),
            Modality = data.GetString(DicomTag.Modality),
            AccessionNumber = data.GetString(DicomTag.AccessionNumber),
            StudyDate = data.GetString(DicomTag.StudyDate),
            StudyDescription = data.GetString(DicomTag.StudyDescription),
            SeriesDescription = data.GetString(DicomTag.SeriesDescription),
            SeriesNumber = ParseInt(data.GetString(DicomTag.SeriesNumber)),
            InstanceNumber = ParseInt(data.GetString(DicomTag.InstanceNumber)),
            NumberOfFrames = ParseInt(data.GetString(DicomTag.NumberOfFrames)) ?? 1,
            TransferSyntaxUid = dicom.TransferSyntax.Uid,
            Size = file.Size,
            Sha256 = file.Sha256,
            DatetimeCreated = time.GetUtcNow(),
        }, null);
    }

    private static int? ParseInt(string? text) =>
        int.TryParse(text?.Trim(), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var value) ? value : null;
}
