using Imaging.ResultsApi.Extensions;

// ResultsApi: the results, DICOMweb and series-analysis API. What it is made of, its request pipeline and its endpoints
// are in Extensions/Extensions.cs; this file is the order they come in.
var builder = WebApplication.CreateBuilder(args);
var tokensCommand = args is ["tokens", ..];

builder.AddServiceDefaults();
builder.AddApplicationServices();

if (tokensCommand)
{
    // The command's output is the token; the service's logs would bury it.
    builder.Logging.ClearProviders();
}

var app = builder.Build();

// `ResultsApi tokens …`: the administrator's command line for source API tokens; it runs instead of the web server.
if (args is ["tokens", .. var command])
{
    return await SourceTokenCommand.RunAsync(app.Services, command, Console.Out, Console.Error, CancellationToken.None);
}

app.UseApplicationPipeline();
app.MapResultsApi();

app.Run();
return 0;

/// <summary>Named so functional tests can host the service (WebApplicationFactory&lt;Program&gt;).</summary>
public partial class Program;
