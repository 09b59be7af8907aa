using AppHost.Hosting;
using AppHost.Hosting.Orchestration;
using AppHost.Hosting.Testing;

namespace AppHost.Tests;

/// <summary>The exact variables a service receives: Aspire's names, Aspire's connection-string formats.</summary>
public sealed class EnvironmentContractTests
{
    private sealed class FakeProject : IProjectMetadata
    {
        public string ProjectPath => "/src/Service/Service.csproj";

        public string TargetPath => "/src/Service/bin/Service.dll";
    }

    [Fact]
    public void A_project_gets_exactly_Aspires_variables_for_its_references_and_telemetry()
    {
        var builder = DistributedApplicationTestingBuilder.Create();
        var postgres = builder.AddPostgres("postgres");
        var db = postgres.AddDatabase("resultsdb");
        var redis = builder.AddRedis("redis");
        var rabbit = builder.AddRabbitMQ("messaging");
        var api = builder.AddProject("resultsapi", new FakeProject()).WithReplicas(2);
        var worker = builder.AddProject("workflowworker", new FakeProject())
            .WithReference(db).WithReference(redis).WithReference(rabbit).WithReference(api)
            .WithEnvironment("Feature__Enabled", "true");

        postgres.Resource.Endpoints[0].AllocatedPorts.Add(5433);
        redis.Resource.Endpoints[0].AllocatedPorts.Add(6380);
        rabbit.Resource.Endpoints[0].AllocatedPorts.Add(5673);
        api.Resource.HttpEndpoint.AllocatedPorts.AddRange([7001, 7002]);
        worker.Resource.HttpEndpoint.AllocatedPorts.Add(7100);

        var environment = EnvironmentContract.For(worker.Resource, 0, "workflowworker-abc12345", "Development",
            new TelemetrySettings("http://localhost:18890", "http/protobuf"));

        var pg = postgres.Resource.Password;
        var expected = new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = "http://localhost:7100",
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["DOTNET_ENVIRONMENT"] = "Development",
            ["ASPNETCORE_FORWARDEDHEADERS_ENABLED"] = "true",
            ["LOGGING__CONSOLE__FORMATTERNAME"] = "simple",
            ["LOGGING__CONSOLE__FORMATTEROPTIONS__TIMESTAMPFORMAT"] = "yyyy-MM-ddTHH:mm:ss.fffffff ",
            ["DOTNET_SYSTEM_CONSOLE_ALLOW_ANSI_COLOR_REDIRECTION"] = "true",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://localhost:18890",
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_SERVICE_NAME"] = "workflowworker",
            ["OTEL_RESOURCE_ATTRIBUTES"] = "service.instance.id=workflowworker-abc12345",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "1000",
            ["OTEL_BLRP_SCHEDULE_DELAY"] = "1000",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "1000",
            ["OTEL_TRACES_SAMPLER"] = "always_on",
            ["OTEL_METRICS_EXEMPLAR_FILTER"] = "trace_based",
            ["OTEL_DOTNET_EXPERIMENTAL_OTLP_EMIT_EXCEPTION_LOG_ATTRIBUTES"] = "true",
            ["OTEL_DOTNET_EXPERIMENTAL_OTLP_EMIT_EVENT_LOG_ATTRIBUTES"] = "true",
            ["OTEL_DOTNET_EXPERIMENTAL_OTLP_RETRY"] = "in_memory",
            ["ConnectionStrings__resultsdb"] = $"Host=127.0.0.1;Port=5433;Username=postgres;Password={pg};Database=resultsdb",
            ["ConnectionStrings__redis"] = $"127.0.0.1:6380,password={redis.Resource.Password}",
            ["ConnectionStrings__messaging"] = $"amqp://guest:{rabbit.Resource.Password}@127.0.0.1:5673",
            ["services__resultsapi__http__0"] = "http://localhost:7001",
            ["services__resultsapi__http__1"] = "http://localhost:7002",
            ["Feature__Enabled"] = "true",
        };
        Assert.Equal(expected.OrderBy(p => p.Key, StringComparer.Ordinal), environment.OrderBy(p => p.Key, StringComparer.Ordinal));
    }

    [Fact]
    public void Without_a_dashboard_there_are_no_OTLP_variables()
    {
        var builder = DistributedApplicationTestingBuilder.Create();
        var api = builder.AddProject("resultsapi", new FakeProject());
        api.Resource.HttpEndpoint.AllocatedPorts.Add(7001);

        var environment = EnvironmentContract.For(api.Resource, 0, "resultsapi-1", "Production", telemetry: null);

        Assert.DoesNotContain(environment.Keys, k => k.StartsWith("OTEL_", StringComparison.Ordinal));
        Assert.Equal("Production", environment["ASPNETCORE_ENVIRONMENT"]);
    }

    [Fact]
    public void Each_replica_listens_on_its_own_port()
    {
        var builder = DistributedApplicationTestingBuilder.Create();
        var api = builder.AddProject("resultsapi", new FakeProject()).WithReplicas(2);
        api.Resource.HttpEndpoint.AllocatedPorts.AddRange([7001, 7002]);

        Assert.Equal("http://localhost:7002", EnvironmentContract.For(api.Resource, 1, "r2", "Development", null)["ASPNETCORE_URLS"]);
    }

    [Fact]
    public void Passwords_are_generated_once_and_kept_in_the_data_folder()
    {
        var args = new[] { "--data-dir", Path.Combine(Path.GetTempPath(), "apphost-tests", Guid.NewGuid().ToString("N")) };
        var first = DistributedApplicationTestingBuilder.Create(args).AddPostgres("postgres").Resource.Password;
        var second = DistributedApplicationTestingBuilder.Create(args).AddPostgres("postgres").Resource.Password;
        var other = DistributedApplicationTestingBuilder.Create().AddPostgres("postgres").Resource.Password;

        Assert.Equal(first, second);
        Assert.NotEqual(first, other);
        Assert.Equal(24, first.Length);
        Assert.All(first, c => Assert.True(char.IsAsciiLetterOrDigit(c)));
        Directory.Delete(args[1], recursive: true);
    }
}
