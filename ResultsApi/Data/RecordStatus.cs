namespace Imaging.ResultsApi.Data;

/// <summary>Where a record's raw data is on its way to an image.</summary>
public enum RecordStatus
{
    /// <summary>Created; no raw data yet.</summary>
    NEW,

    /// <summary>Raw data stored and a RecoJob queued (in the outbox or on the bus).</summary>
    QUEUED,

    INPROGRESS,
    FINISHED,
    ERROR,
}
