namespace Imaging.ResultsApi.Data;

/// <summary>The state of an exam, workflow or task, with the source platform's values.</summary>
public enum ItemStatus
{
    NEW,
    UPDATED,
    STARTED,
    FINISHED,
    ERROR,
    INPROGRESS,
}
