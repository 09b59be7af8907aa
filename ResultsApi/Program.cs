var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddNpgsqlDataSource("resultsdb");
builder.AddRedisClient("redis");
builder.AddMessageBus("messaging");

var app = builder.Build();

app.MapDefaultEndpoints();

app.Run();

/// <summary>Named so functional tests can host the service (WebApplicationFactory&lt;Program&gt;).</summary>
public partial class Program;
