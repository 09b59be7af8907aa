namespace Imaging.Contracts;

/// <summary>
/// Analyse one uploaded series of a source. <see cref="Attempt"/> counts the times the series was queued, so the
/// worker's reports for an older queueing are recognised and ignored.
/// </summary>
public sealed record SeriesAnalysisJob(Guid SourceId, string SeriesInstanceUid, int Attempt);
