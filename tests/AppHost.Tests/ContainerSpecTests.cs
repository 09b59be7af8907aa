using AppHost.Hosting;
using AppHost.Hosting.Testing;

namespace AppHost.Tests;

/// <summary>How a server becomes a container: the arguments given to the engine's CLI (no engine runs here, so this is data).</summary>
public sealed class ContainerSpecTests
{
    [Fact]
    public void PostgreSQL_runs_attached_with_a_loopback_port_a_named_volume_and_secrets_only_in_the_environment()
    {
        var builder = DistributedApplicationTestingBuilder.Create();
        var postgres = builder.AddPostgres("postgres").Resource;

        var spec = postgres.CreateContainerSpec().ToProcessSpec("docker", "postgres", "postgres-run1", "main-postgres-data", 15432, "/tmp");

        Assert.Equal("docker", spec.FileName);
        Assert.Equal(
            ["run", "--rm", "--name", "postgres-run1", "-p", "127.0.0.1:15432:5432", "-v", "main-postgres-data:/var/lib/postgresql/data",
             "-e", "POSTGRES_HOST_AUTH_METHOD", "-e", "POSTGRES_INITDB_ARGS", "-e", "POSTGRES_PASSWORD", "-e", "POSTGRES_USER",
             "docker.io/library/postgres:17.6"],
            spec.Arguments);
        Assert.DoesNotContain(spec.Arguments, a => a.Contains(postgres.Password, StringComparison.Ordinal));
        Assert.Equal(postgres.Password, spec.Environment["POSTGRES_PASSWORD"]);
        Assert.Equal(["rm", "-f", "postgres-run1"], spec.Cleanup!.Arguments);
    }

    [Fact]
    public void Redis_and_RabbitMQ_get_their_passwords_and_data_volumes()
    {
        var builder = DistributedApplicationTestingBuilder.Create();
        var redis = builder.AddRedis("redis").Resource;
        var rabbit = builder.AddRabbitMQ("messaging").Resource;

        var redisSpec = redis.CreateContainerSpec();
        var rabbitSpec = rabbit.CreateContainerSpec();

        Assert.Equal(["/bin/sh", "-c", "exec redis-server --requirepass \"$REDIS_PASSWORD\" --appendonly yes --save ''"], redisSpec.Arguments);
        Assert.Equal(redis.Password, redisSpec.Environment["REDIS_PASSWORD"]);
        Assert.Equal("/data", redisSpec.VolumeTarget);
        Assert.Equal(6379, redisSpec.TargetPort);
        Assert.Equal(rabbit.Password, rabbitSpec.Environment["RABBITMQ_DEFAULT_PASS"]);
        Assert.Equal("guest", rabbitSpec.Environment["RABBITMQ_DEFAULT_USER"]);
        Assert.Equal(5672, rabbitSpec.TargetPort);
    }
}
