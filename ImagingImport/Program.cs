var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddNpgsqlDataSource("importdb");
builder.AddRedisClient("redis");

var app = builder.Build();

app.MapDefaultEndpoints();

app.Run();

/// <summary>Named so functional tests can host the service (WebApplicationFactory&lt;Program&gt;).</summary>
public partial class Program;
