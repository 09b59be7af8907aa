using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace ServiceDefaults.Tests;

/// <summary>The services' DbContexts prepare their repeated statements, unless the connection string says otherwise.</summary>
public sealed class PostgresStatementsTests
{
    [Fact]
    public void A_service_DbContext_gets_automatic_preparation_through_the_Aspire_integration()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration["ConnectionStrings:appdb"] = "Host=127.0.0.1;Port=5432;Database=appdb;Username=app";
        builder.AddNpgsqlDbContext<ProbeDbContext>("appdb", settings =>
        {
            settings.DisableRetry = true;
            settings.ConnectionString = PostgresStatements.WithAutoPrepare(settings.ConnectionString);
        });
        using var app = builder.Build();
        using var scope = app.Services.CreateScope();

        var used = new NpgsqlConnectionStringBuilder(scope.ServiceProvider.GetRequiredService<ProbeDbContext>().Database.GetConnectionString());

        Assert.Equal((PostgresStatements.AutoPrepared, 2, "appdb"), (used.MaxAutoPrepare, used.AutoPrepareMinUsages, used.Database));
    }

    [Fact]
    public void A_connection_string_that_names_its_own_number_keeps_it_and_an_absent_one_stays_absent()
    {
        var own = new NpgsqlConnectionStringBuilder(PostgresStatements.WithAutoPrepare("Host=db;Max Auto Prepare=5"));

        Assert.Equal(5, own.MaxAutoPrepare);
        Assert.Null(PostgresStatements.WithAutoPrepare(null));
    }
}
