using Imaging.StandIns;

// The XNAT stand-in as a service of its own, for the app host's demo when no real XNAT is configured.
var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();

var settings = builder.Configuration.GetSection("XnatStandIn");
var username = settings["Username"] is { Length: > 0 } name ? name : "admin";
var password = settings["Password"] is { Length: > 0 } secret ? secret
    : throw new InvalidOperationException("XnatStandIn:Password is not set: give the stand-in the password its callers will use (XnatStandIn__Password).");
string? archiveFile = null;
if (settings["DataDirectory"] is { Length: > 0 } folder)
{
    Directory.CreateDirectory(folder);
    archiveFile = Path.Combine(folder, "archive.json");
}

var app = builder.Build();
app.MapDefaultEndpoints();
XnatStandIn.MapTo(app, username, password, archiveFile);
app.Run();

/// <summary>Internal on purpose (the ASP.NET Core generator would make it public): test projects that reference the stand-in host other services' Program.</summary>
internal partial class Program;
