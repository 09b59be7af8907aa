namespace Imaging.ResultsApi.Data;

/// <summary>The roles a user can have.</summary>
public static class Roles
{
    public const string Admin = "admin";
    public const string Medical = "medical";
    public const string Scientist = "scientist";
    public const string Engineer = "engineer";

    /// <summary>A machine account (the reconstruction worker): acts on any source's records, logs in like a user.</summary>
    public const string Service = "service";

    public static readonly string[] All = [Admin, Medical, Scientist, Engineer, Service];
}
