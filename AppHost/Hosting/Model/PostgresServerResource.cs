using AppHost.Hosting.Runtimes;
using Npgsql;

namespace AppHost.Hosting;

public sealed class PostgresServerResource(string name, ParameterResource password) : ServerResource(name, password)
{
    public const string UserName = "postgres";

    public List<PostgresDatabaseResource> Databases { get; } = [];

    public override string Kind => "postgres";

    // Aspire's format for a PostgreSQL server resource.
    public override string ConnectionStringExpression(ValueResolver values) =>
        $"Host={values.Host(this, PrimaryEndpoint)};Port={values.Port(this, PrimaryEndpoint)};Username={UserName};Password={values.Parameter(PasswordParameter)}";

    internal override LocalServer CreateLocalServer(LocalServerContext context) => new PostgresLocalServer(this, context);

    internal override IReadOnlyList<string> ContainerHealthCommand => ["CMD-SHELL", "pg_isready -U postgres -h 127.0.0.1"];

    internal override ContainerSpec CreateContainerSpec(ValueResolver values) => new(
        Image: "docker.io/library/postgres:17.6",
        TargetPort: PrimaryEndpoint.TargetPort,
        Environment: new Dictionary<string, string>
        {
            ["POSTGRES_USER"] = UserName,
            ["POSTGRES_PASSWORD"] = values.Parameter(PasswordParameter),
            ["POSTGRES_HOST_AUTH_METHOD"] = "scram-sha-256",
            ["POSTGRES_INITDB_ARGS"] = "--auth-host=scram-sha-256 --auth-local=scram-sha-256",
        },
        VolumeTarget: "/var/lib/postgresql/data",
        Arguments: []);

    internal override async Task ProbeAsync(CancellationToken cancellationToken)
    {
        var connectionString = new NpgsqlConnectionStringBuilder(GetConnectionString())
        {
            Timeout = 3,
            Pooling = false,
        }.ConnectionString;
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT 1", connection);
        await command.ExecuteScalarAsync(cancellationToken);
    }
}

/// <summary>A database on a PostgreSQL server; created when the server is healthy, if it does not exist.</summary>
public sealed class PostgresDatabaseResource(string name, string databaseName, PostgresServerResource parent)
    : Resource(name), IResourceWithConnectionString
{
    public string DatabaseName { get; } = databaseName;

    public PostgresServerResource Parent { get; } = parent;

    /// <summary>Set when configuration gives ConnectionStrings:{name} for this database itself.</summary>
    public string? ExistingConnectionString { get; internal set; }

    public override string Kind => "database";

    public string GetConnectionString() =>
        ExistingConnectionString ?? $"{Parent.GetConnectionString()};Database={DatabaseName}";

    public string ConnectionStringExpression(ValueResolver values) => $"{values.ConnectionString(Parent)};Database={DatabaseName}";

    internal async Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        if (ExistingConnectionString is not null)
        {
            return;
        }

        var admin = new NpgsqlConnectionStringBuilder(Parent.GetConnectionString()) { Pooling = false, Timeout = 5 };
        await using var connection = new NpgsqlConnection(admin.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection);
        exists.Parameters.AddWithValue(DatabaseName);
        if (await exists.ExecuteScalarAsync(cancellationToken) is null)
        {
            // Identifiers cannot be parameters; the name was validated as a resource-style name when added.
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{DatabaseName}\"", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    internal async Task ProbeAsync(CancellationToken cancellationToken)
    {
        var connectionString = new NpgsqlConnectionStringBuilder(GetConnectionString()) { Timeout = 3, Pooling = false };
        await using var connection = new NpgsqlConnection(connectionString.ConnectionString);
        await connection.OpenAsync(cancellationToken);
    }
}
