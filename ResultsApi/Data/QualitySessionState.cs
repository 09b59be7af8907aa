namespace Imaging.ResultsApi.Data;

/// <summary>Where an image-quality session is; the members are the wire values.</summary>
public enum QualitySessionState
{
    /// <summary>Uploaded; the job is in the outbox or on the bus.</summary>
    created,

    /// <summary>The worker took the job (again, after a crash, is allowed).</summary>
    running,

    /// <summary>The worker reported each target image's result and measurements.</summary>
    finished,

    /// <summary>The worker gave up; the reason says why.</summary>
    failed,
}
