namespace Imaging.ResultsApi.Data;

public sealed class User
{
    public required string Username { get; set; }

    public Guid SourceId { get; set; }

    public Source? Source { get; set; }

    public required string PasswordHash { get; set; }

    public required string Role { get; set; }

    public DateTimeOffset DatetimeCreated { get; set; }
}
