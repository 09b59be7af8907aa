namespace Imaging.ImagingImport.Tracking;

/// <summary>The import states of a study, as the seed counts them.</summary>
public enum ImportStatus
{
    /// <summary>Waiting for its turn (again, after a failure, once its back-off has passed).</summary>
    queued,

    /// <summary>Taken by an importer, which holds it while it renews <see cref="StudyImport.LeaseUntil"/>, for at most the processing window.</summary>
    processing,

    /// <summary>XNAT lists the session.</summary>
    successful,

    /// <summary>The last attempt failed and no more are due automatically (attempts used up); reimport queues it again.</summary>
    failed,

    /// <summary>The study was not found at the source PACS when it was to be retrieved.</summary>
    queue_failed,
}
