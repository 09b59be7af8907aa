using Imaging.ImagingImport.Xnat;
using Microsoft.Extensions.Options;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddNpgsqlDataSource("importdb");
builder.AddRedisClient("redis");

// XNAT: the target of every import. Checked when first used, so the service starts (and reports healthy) before one is configured.
builder.Services.AddOptions<XnatOptions>().BindConfiguration(XnatOptions.SectionName).ValidateDataAnnotations();
builder.Services.AddSingleton<XnatSession>();
#pragma warning disable EXTEXP0001
builder.Services.AddHttpClient<XnatClient>((services, client) =>
    {
        client.BaseAddress = services.GetRequiredService<IOptions<XnatOptions>>().Value.BaseUrl;
        // The client sets its own timeout per call (imports take longer than lookups).
        client.Timeout = Timeout.InfiniteTimeSpan;
    })
    // Imports are retried by the import tracking with back-off, and the standard handler's 30 s total timeout would cut a
    // large study's upload short. (Marked experimental in Microsoft.Extensions.Http.Resilience 10; the documented way to opt out.)
    .RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001

var app = builder.Build();

app.MapDefaultEndpoints();

app.Run();

/// <summary>Named so functional tests can host the service (WebApplicationFactory&lt;Program&gt;).</summary>
public partial class Program;
