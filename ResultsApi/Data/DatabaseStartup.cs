using Imaging.ResultsApi.Auth;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Imaging.ResultsApi.Data;

/// <summary>
/// Before the service takes requests: applies the migrations, and when no user exists and a bootstrap password is
/// configured (the app host gives one in development), creates the first source and admin.
/// </summary>
internal sealed partial class DatabaseStartup(IServiceProvider services, IOptions<BootstrapOptions> bootstrap, TimeProvider time, ILogger<DatabaseStartup> logger)
    : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ResultsDbContext>();
        await db.Database.MigrateAsync(cancellationToken);

        var options = bootstrap.Value;
        if (string.IsNullOrEmpty(options.AdminPassword) || await db.Users.AnyAsync(cancellationToken))
        {
            return;
        }

        var source = await db.Sources.SingleOrDefaultAsync(s => s.Name == options.SourceName, cancellationToken)
            ?? db.Sources.Add(new Source { Id = Guid.NewGuid(), Name = options.SourceName, DatetimeCreated = time.GetUtcNow() }).Entity;
        var admin = new User { Username = options.AdminUsername, SourceId = source.Id, Role = Roles.Admin, PasswordHash = "", DatetimeCreated = time.GetUtcNow() };
        admin.PasswordHash = scope.ServiceProvider.GetRequiredService<IPasswordHasher<User>>().HashPassword(admin, options.AdminPassword);
        db.Users.Add(admin);
        await db.SaveChangesAsync(cancellationToken);
        LogBootstrapped(logger, admin.Username, source.Name);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Created the first user {Username} (admin) in source {Source}")]
    private static partial void LogBootstrapped(ILogger logger, string username, string source);
}
