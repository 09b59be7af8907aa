namespace Imaging.ResultsApi.Data;

/// <summary>What an image of a session is: one of the two target scans (the seed's image_tag), or an image of the batch.</summary>
public enum QualityImageRole
{
    before_target,
    after_target,
    batch,
}
