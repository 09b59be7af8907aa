namespace Imaging.ResultsApi.Data;

/// <summary>What a result holds; the wire value of the numpy type is "NUMPY".</summary>
public enum ResultType
{
    DICOM,
    MRD,
    NUMPY,
    CALIBRATION,
    NOT_SET,
}
