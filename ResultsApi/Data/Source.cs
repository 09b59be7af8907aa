namespace Imaging.ResultsApi.Data;

/// <summary>A tenant: a hospital, a lab, a group. Every exam belongs to one; a user sees only its own source's data.</summary>
public sealed class Source
{
    public Guid Id { get; set; }

    public required string Name { get; set; }

    public DateTimeOffset DatetimeCreated { get; set; }
}
