namespace Imaging.Contracts;

/// <summary>
/// Measure the target images of an image-quality session against the ISO 19264-1 levels. The session, its target and
/// its images are ResultsApi's; the worker asks for them when it takes the job.
/// </summary>
public sealed record QualitySessionJob(Guid SessionId);
