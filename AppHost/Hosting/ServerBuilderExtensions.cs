namespace AppHost.Hosting;

/// <summary>AddPostgres / AddDatabase / AddRedis / AddRabbitMQ / AddProject / AddExecutable / AddConnectionString.</summary>
public static class ServerBuilderExtensions
{
    public static IResourceBuilder<PostgresServerResource> AddPostgres(this IDistributedApplicationBuilder builder, string name, int? port = null)
    {
        var resource = new PostgresServerResource(name, builder.Secrets.GetOrCreatePassword($"{name}-password"));
        resource.Endpoints.Add(new Endpoint("tcp", "tcp", 5432) { Port = port });
        return builder.AddResource(resource);
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
        var resource = new RedisResource(name, builder.Secrets.GetOrCreatePassword($"{name}-password"));
        resource.Endpoints.Add(new Endpoint("tcp", "tcp", 6379) { Port = port });
        return builder.AddResource(resource);
    }

    public static IResourceBuilder<RabbitMQServerResource> AddRabbitMQ(this IDistributedApplicationBuilder builder, string name, int? port = null)
    {
        var resource = new RabbitMQServerResource(name, builder.Secrets.GetOrCreatePassword($"{name}-password"));
        resource.Endpoints.Add(new Endpoint("tcp", "amqp", 5672) { Port = port });
        return builder.AddResource(resource);
    }

    /// <summary>Orthanc with its DICOMweb plugin: a PACS peer (for the import service, and as the tests' reference for DICOMweb).</summary>
    public static IResourceBuilder<OrthancResource> AddOrthanc(this IDistributedApplicationBuilder builder, string name, int? port = null)
    {
        var resource = new OrthancResource(name, builder.Secrets.GetOrCreatePassword($"{name}-password"));
        resource.Endpoints.Add(new Endpoint("http", "http", 8042) { Port = port });
        resource.Endpoints.Add(new Endpoint("dicom", "tcp", 4242));
        return builder.AddResource(resource);
    }

    public static IResourceBuilder<ProjectResource> AddProject<TProject>(this IDistributedApplicationBuilder builder, string name)
        where TProject : IProjectMetadata, new() => builder.AddProject(name, new TProject());

    public static IResourceBuilder<ProjectResource> AddProject(this IDistributedApplicationBuilder builder, string name, IProjectMetadata metadata)
    {
        var resource = new ProjectResource(name, metadata);
        resource.Endpoints.Add(new Endpoint("http", "http", 0));
        return builder.AddResource(resource);
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
