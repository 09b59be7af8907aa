using Imaging.ImagingImport.Extensions;

// ImagingImport: moves a cohort's studies from a PACS into XNAT. Its parts, pipeline and endpoints: Extensions/Extensions.cs.
var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.UseHttpApiDefaults();
app.MapImagingImport();

app.Run();

/// <summary>Named so functional tests can host the service (WebApplicationFactory&lt;Program&gt;).</summary>
public partial class Program;
