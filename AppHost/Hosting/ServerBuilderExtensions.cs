using AppHost.Hosting.Orchestration;

namespace AppHost.Hosting;

/// <summary>AddPostgres / AddDatabase / AddRedis / AddRabbitMQ / AddProject / AddExecutable / AddConnectionString.</summary>
public static class ServerBuilderExtensions
{
    public static IResourceBuilder<PostgresServerResource> AddPostgres(this IDistributedApplicationBuilder builder, string name, int? port = null)
    {
        var resource = new PostgresServerResource(name, SecretParameter(builder, $"{name}-password"));
        resource.Endpoints.Add(new Endpoint("tcp", "tcp", 5432) { Port = port });
        return AddServer(builder, resource);
    }

    public static IResourceBuilder<PostgresDatabaseResource> AddDatabase(this IResourceBuilder<PostgresServerResource> server, string name, string? databaseName = null)
    {
        var database = new PostgresDatabaseResource(name, databaseName ?? name, server.Resource);
        // The database name follows the resource naming rule, so it is safe to quote in CREATE DATABASE.
        Resource.ValidateName(databaseName ?? name);

        server.Resource.Databases.Add(database);
        var builder = server.ApplicationBuilder.AddResource(database);
        builder.WaitFor(server);
        return builder;
    }

    public static IResourceBuilder<RedisResource> AddRedis(this IDistributedApplicationBuilder builder, string name, int? port = null)
    {
        var resource = new RedisResource(name, SecretParameter(builder, $"{name}-password"));
        resource.Endpoints.Add(new Endpoint("tcp", "tcp", 6379) { Port = port });
        return AddServer(builder, resource);
    }

    public static IResourceBuilder<RabbitMQServerResource> AddRabbitMQ(this IDistributedApplicationBuilder builder, string name, int? port = null)
    {
        var resource = new RabbitMQServerResource(name, SecretParameter(builder, $"{name}-password"));
        resource.Endpoints.Add(new Endpoint("tcp", "amqp", 5672) { Port = port });
        return AddServer(builder, resource);
    }

    /// <summary>Orthanc with its DICOMweb plugin: a PACS peer (for the import service, and as the tests' reference for DICOMweb).</summary>
    public static IResourceBuilder<OrthancResource> AddOrthanc(this IDistributedApplicationBuilder builder, string name, int? port = null)
    {
        var resource = new OrthancResource(name, SecretParameter(builder, $"{name}-password"));
        resource.Endpoints.Add(new Endpoint("http", "http", 8042) { Port = port });
        resource.Endpoints.Add(new Endpoint("dicom", "tcp", 4242));
        return AddServer(builder, resource);
    }

    public static IResourceBuilder<ProjectResource> AddProject<TProject>(this IDistributedApplicationBuilder builder, string name)
        where TProject : IProjectMetadata, new() => builder.AddProject(name, new TProject());

    public static IResourceBuilder<ProjectResource> AddProject(this IDistributedApplicationBuilder builder, string name, IProjectMetadata metadata)
    {
        var resource = new ProjectResource(name, metadata);
        // 8080 is where a published container listens (the .NET images' default); here each replica gets a free port.
        resource.Endpoints.Add(new Endpoint("http", "http", ProjectResource.ContainerHttpPort));
        return builder.AddResource(resource);
    }

    /// <summary>
    /// A secret the model needs: Parameters:{name} from configuration, else generated once and kept in the data folder's
    /// secrets (so a server's volume and its clients agree on every run and every publish).
    /// </summary>
    public static IResourceBuilder<ParameterResource> AddSecretParameter(this IDistributedApplicationBuilder builder, string name) =>
        builder.AddParameter(SecretParameter(builder, name));

    /// <summary>A secret not yet in the model: <paramref name="configured"/>, else Parameters:{name}, else generated and kept.</summary>
    internal static ParameterResource SecretParameter(IDistributedApplicationBuilder builder, string name, string? configured = null) => new(
        name,
        () => configured is { Length: > 0 } ? configured
            : builder.Configuration[$"Parameters:{name}"] is { Length: > 0 } fromParameters ? fromParameters
            : builder.Secrets.GetOrCreatePassword(name),
        secret: true)
    {
        GeneratedMinLength = SecretStore.GeneratedLength,
    };

    // The server first, so a clash of names is reported as the server's; then its password parameter.
    private static IResourceBuilder<T> AddServer<T>(IDistributedApplicationBuilder builder, T server)
        where T : ServerResource
    {
        var added = builder.AddResource(server);
        builder.AddParameter(server.PasswordParameter);
        return added;
    }

    public static IResourceBuilder<ExecutableResource> AddExecutable(this IDistributedApplicationBuilder builder, string name, string command, string workingDirectory, params string[] arguments) =>
        builder.AddResource(new ExecutableResource(name, command, workingDirectory, arguments));

    /// <summary>A connection string that configuration must supply as ConnectionStrings:{name}.</summary>
    public static IResourceBuilder<ConnectionStringResource> AddConnectionString(this IDistributedApplicationBuilder builder, string name)
    {
        var value = builder.Configuration[$"ConnectionStrings:{name}"];
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new DistributedApplicationException(
                $"Connection string '{name}' is not configured. Set ConnectionStrings:{name} in AppHost/appsettings.json, "
                + $"or the environment variable ConnectionStrings__{name}.");
        }

        return builder.AddResource(new ConnectionStringResource(name, value));
    }
}
