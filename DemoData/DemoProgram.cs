using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Imaging.DemoData;

/// <summary>Entry point (not top-level statements: the worker it references has a public Program of its own).</summary>
internal static class DemoProgram
{
    public static async Task<int> Main(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        builder.AddServiceDefaults();
        // Its console is its progress report; each HTTP call is in the dashboard's traces already.
        builder.Logging.AddFilter("System.Net.Http", LogLevel.Warning).AddFilter("Polly", LogLevel.Warning)
            .AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        builder.Services.AddValidatedOptions<DemoOptions>(DemoOptions.SectionName);
        // Service discovery names, as the app host hands them out (services__resultsapi__http__0, …).
        builder.Services.AddHttpClient(DemoRun.ResultsApi, client => client.BaseAddress = new Uri("http://resultsapi"));
        builder.Services.AddHttpClient(DemoRun.ImagingImport, client => client.BaseAddress = new Uri("http://imagingimport"));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<DemoRun>();
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            return await host.Services.GetRequiredService<DemoRun>().RunAsync(Console.Out, CancellationToken.None);
        }
        catch (DemoStepFailedException failed)
        {
            await Console.Error.WriteLineAsync($"error: {failed.Message}");
            return 1;
        }
        finally
        {
            // Flushes the job's telemetry to the dashboard before it exits.
            await host.StopAsync();
        }
    }
}

/// <summary>A step that did not work out, with what was seen and what to look at.</summary>
public sealed class DemoStepFailedException(string message) : Exception(message);
