using System.Reflection;
using AppHost.Hosting.Orchestration;
using Microsoft.Extensions.Configuration;

namespace AppHost.Hosting;

public interface IDistributedApplicationBuilder
{
    ConfigurationManager Configuration { get; }

    /// <summary>The AppHost project's folder (Aspire's AppHostDirectory).</summary>
    string AppHostDirectory { get; }

    string EnvironmentName { get; }

    /// <summary>True for `publish` (Aspire's ExecutionContext.IsPublishMode).</summary>
    bool IsPublishing { get; }

    AppHostOptions Options { get; }

    string DataDirectory { get; }

    SecretStore Secrets { get; }

    IReadOnlyList<Resource> Resources { get; }

    /// <summary>Values given per deployment (passwords, keys); not run, but published (parameter.v0, .env, Secrets).</summary>
    IReadOnlyList<ParameterResource> Parameters { get; }

    /// <summary>Lines printed under the resource table once everything is healthy (e.g. a development login).</summary>
    List<string> Notes { get; }

    IResourceBuilder<T> AddResource<T>(T resource) where T : Resource;

    IResourceBuilder<ParameterResource> AddParameter(ParameterResource parameter);

    DistributedApplication Build();
}

public sealed class DistributedApplicationBuilder : IDistributedApplicationBuilder
{
    private static readonly Dictionary<string, string> SwitchMappings = new(StringComparer.Ordinal)
    {
        ["--runtime"] = "AppHost:Runtime",
        ["--data-dir"] = "AppHost:DataDirectory",
        ["--environment"] = "DOTNET_ENVIRONMENT",
        ["--output"] = "AppHost:Publish:OutputPath",
        ["--target"] = "AppHost:Publish:Target",
        // Aspire's own spelling, for scripts written against it.
        ["--output-path"] = "AppHost:Publish:OutputPath",
        ["--publisher"] = "AppHost:Publish:Target",
    };

    private readonly List<Resource> _resources = [];
    private readonly List<ParameterResource> _parameters = [];
    private readonly Func<DistributedApplicationBuilder, bool>? _interceptBuild;

    internal DistributedApplicationBuilder(string[] args, IReadOnlyDictionary<string, string?>? overrides, Func<DistributedApplicationBuilder, bool>? interceptBuild)
    {
        _interceptBuild = interceptBuild;
        // `publish` (or Aspire's --publisher) writes deployment files instead of running; the rest are settings as usual.
        var verb = Array.FindIndex(args, a => a == "publish");
        if (verb >= 0 && (verb == 0 || !args[verb - 1].StartsWith("--", StringComparison.Ordinal) || args[verb - 1].Contains('=')))
        {
            args = [.. args[..verb], .. args[(verb + 1)..]];
            IsPublishing = true;
        }

        IsPublishing |= args.Contains("--publisher");

        AppHostDirectory = typeof(DistributedApplicationBuilder).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "AppHostProjectDirectory")?.Value ?? AppContext.BaseDirectory;
        // Running defaults to Development, publishing to Production, as with Aspire; --environment beats both.
        EnvironmentName = ArgumentValue(args, "--environment") ?? Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT")
            ?? Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT") ?? (IsPublishing ? "Production" : "Development");

        Configuration = new ConfigurationManager();
        Configuration.AddJsonFile(Path.Combine(AppHostDirectory, "appsettings.json"), optional: true);
        Configuration.AddJsonFile(Path.Combine(AppHostDirectory, $"appsettings.{EnvironmentName}.json"), optional: true);
        Configuration.AddEnvironmentVariables();
        if (overrides is not null)
        {
            // Testing defaults sit above files and environment but below the command line a test passes.
            Configuration.AddInMemoryCollection(overrides);
        }

        Configuration.AddCommandLine(args, SwitchMappings);

        Options = BindOptions(Configuration);
        DataDirectory = Path.GetFullPath(Options.DataDirectory ?? Path.Combine(AppHostDirectory, ".data"));
        Secrets = new SecretStore(DataDirectory);
    }

    public ConfigurationManager Configuration { get; }

    /// <summary>True for `publish`: the model is written out for a container platform instead of being run.</summary>
    public bool IsPublishing { get; }

    public string AppHostDirectory { get; }

    public string EnvironmentName { get; }

    public AppHostOptions Options { get; }

    public string DataDirectory { get; }

    public SecretStore Secrets { get; }

    public IReadOnlyList<Resource> Resources => _resources;

    public IReadOnlyList<ParameterResource> Parameters => _parameters;

    public List<string> Notes { get; } = [];

    /// <summary>Set by the testing entry point: the data folder to delete when the application is disposed.</summary>
    internal bool DeleteDataOnDispose { get; init; }

    public IResourceBuilder<T> AddResource<T>(T resource) where T : Resource
    {
        if (_resources.Any(r => string.Equals(r.Name, resource.Name, StringComparison.OrdinalIgnoreCase))
            || _parameters.Any(p => string.Equals(p.Name, resource.Name, StringComparison.OrdinalIgnoreCase)))
        {
            throw new DistributedApplicationException($"A resource named '{resource.Name}' already exists; resource names must be unique.");
        }

        _resources.Add(resource);
        return new ResourceBuilder<T>(this, resource);
    }

    public IResourceBuilder<ParameterResource> AddParameter(ParameterResource parameter)
    {
        if (_parameters.Any(p => string.Equals(p.Name, parameter.Name, StringComparison.OrdinalIgnoreCase))
            || _resources.Any(r => string.Equals(r.Name, parameter.Name, StringComparison.OrdinalIgnoreCase)))
        {
            throw new DistributedApplicationException($"A resource or parameter named '{parameter.Name}' already exists; names must be unique.");
        }

        _parameters.Add(parameter);
        return new ResourceBuilder<ParameterResource>(this, parameter);
    }

    public DistributedApplication Build()
    {
        if (_interceptBuild?.Invoke(this) == true)
        {
            // The testing entry point took the builder; unwind the AppHost's Main without running it.
            throw new TestingBuilderCapturedException();
        }

        ApplyExistingConnectionStrings();
        CheckDependencyCycles();
        return new DistributedApplication(this);
    }

    public Task<DistributedApplication> BuildAsync(CancellationToken cancellationToken = default) => Task.FromResult(Build());

    private static string? ArgumentValue(string[] args, string name)
    {
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == name && i + 1 < args.Length)
            {
                return args[i + 1];
            }

            if (args[i].StartsWith(name + "=", StringComparison.Ordinal))
            {
                return args[i][(name.Length + 1)..];
            }
        }

        return null;
    }

    private void ApplyExistingConnectionStrings()
    {
        foreach (var resource in _resources)
        {
            var configured = Configuration[$"ConnectionStrings:{resource.Name}"];
            if (string.IsNullOrWhiteSpace(configured))
            {
                continue;
            }

            switch (resource)
            {
                case ServerResource server:
                    server.ExistingConnectionString = configured;
                    break;
                case PostgresDatabaseResource database:
                    database.ExistingConnectionString = configured;
                    break;
            }
        }
    }

    private void CheckDependencyCycles()
    {
        var state = new Dictionary<Resource, int>();
        void Visit(Resource resource, Stack<string> path)
        {
            if (state.GetValueOrDefault(resource) == 2)
            {
                return;
            }

            path.Push(resource.Name);
            if (state.GetValueOrDefault(resource) == 1)
            {
                throw new DistributedApplicationException($"WaitFor forms a cycle: {string.Join(" -> ", path.Reverse())}.");
            }

            state[resource] = 1;
            foreach (var dependency in resource.WaitsFor)
            {
                Visit(dependency, path);
            }

            state[resource] = 2;
            path.Pop();
        }

        foreach (var resource in _resources)
        {
            Visit(resource, new Stack<string>());
        }
    }

    private static AppHostOptions BindOptions(IConfiguration configuration)
    {
        var runtime = configuration["AppHost:Runtime"];
        if (runtime is not null && !Enum.TryParse<ResourceRuntime>(runtime, ignoreCase: true, out _))
        {
            throw new DistributedApplicationException($"Unknown runtime '{runtime}': use --runtime container, --runtime process or --runtime auto.");
        }

        var target = configuration["AppHost:Publish:Target"];
        if (target is not null && !Enum.TryParse<Publishing.PublishTarget>(target, ignoreCase: true, out _))
        {
            throw new DistributedApplicationException($"Unknown publish target '{target}': use --target compose, --target kubernetes or --target manifest.");
        }

        var options = new AppHostOptions();
        try
        {
            configuration.GetSection(AppHostOptions.SectionName).Bind(options);
        }
        catch (InvalidOperationException ex)
        {
            throw new DistributedApplicationException($"The AppHost section of the configuration is invalid: {ex.Message}", ex);
        }

        return options;
    }
}

/// <summary>Thrown inside the AppHost's Main when a test has taken its builder; never seen outside the testing entry point.</summary>
internal sealed class TestingBuilderCapturedException() : Exception("The testing entry point captured the application builder.");
