using Npgsql;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Lets Npgsql prepare the statements a service runs again and again (the index lookups and inserts of every DICOM
/// request), so PostgreSQL parses and plans each once per connection instead of once per request. A connection string
/// that already says how many to prepare keeps its own setting.
/// </summary>
public static class PostgresStatements
{
    /// <summary>Statements kept prepared per pooled connection when the connection string names no number.</summary>
    public const int AutoPrepared = 64;

    public static string? WithAutoPrepare(string? connectionString)
    {
        if (string.IsNullOrEmpty(connectionString))
        {
            return connectionString;
        }

        var settings = new NpgsqlConnectionStringBuilder(connectionString);
        if (settings.MaxAutoPrepare == 0)
        {
            settings.MaxAutoPrepare = AutoPrepared;
            settings.AutoPrepareMinUsages = 2;
        }

        return settings.ConnectionString;
    }
}
