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
        var hasher = scope.ServiceProvider.GetRequiredService<IPasswordHasher<User>>();
        if (!string.IsNullOrEmpty(options.AdminPassword) && !await db.Users.AnyAsync(cancellationToken))
        {
            await CreateFirstAdminAsync(db, hasher, options, cancellationToken);
        }

        if (!string.IsNullOrEmpty(options.WorkerPassword))
        {
            await EnsureWorkerAccountAsync(db, hasher, options, cancellationToken);
        }
    }

    private async Task CreateFirstAdminAsync(ResultsDbContext db, IPasswordHasher<User> hasher, BootstrapOptions options, CancellationToken cancellationToken)
    {
        var source = await db.Sources.SingleOrDefaultAsync(s => s.Name == options.SourceName, cancellationToken)
            ?? db.Sources.Add(new Source { Id = Guid.NewGuid(), Name = options.SourceName, DatetimeCreated = time.GetUtcNow() }).Entity;
        var admin = new User { Username = options.AdminUsername, SourceId = source.Id, Role = Roles.Admin, PasswordHash = "", DatetimeCreated = time.GetUtcNow() };
        admin.PasswordHash = hasher.HashPassword(admin, options.AdminPassword!);
        db.Users.Add(admin);
        await db.SaveChangesAsync(cancellationToken);
        LogBootstrapped(logger, admin.Username, source.Name);
    }

    // The password comes from the app host's secret store, so it is set again on each start rather than only once.
    private async Task EnsureWorkerAccountAsync(ResultsDbContext db, IPasswordHasher<User> hasher, BootstrapOptions options, CancellationToken cancellationToken)
    {
        var worker = await db.Users.SingleOrDefaultAsync(u => u.Username == options.WorkerUsername, cancellationToken);
        if (worker is null)
        {
            var source = await db.Sources.SingleOrDefaultAsync(s => s.Name == options.SourceName, cancellationToken)
                ?? db.Sources.Add(new Source { Id = Guid.NewGuid(), Name = options.SourceName, DatetimeCreated = time.GetUtcNow() }).Entity;
            worker = db.Users.Add(new User { Username = options.WorkerUsername, SourceId = source.Id, Role = Roles.Service, PasswordHash = "", DatetimeCreated = time.GetUtcNow() }).Entity;
        }
        else if (worker.Role != Roles.Service)
        {
            throw new InvalidOperationException($"User '{worker.Username}' exists with role {worker.Role}; the worker's account must have role {Roles.Service}.");
        }

        if (worker.PasswordHash.Length == 0 || hasher.VerifyHashedPassword(worker, worker.PasswordHash, options.WorkerPassword!) == PasswordVerificationResult.Failed)
        {
            worker.PasswordHash = hasher.HashPassword(worker, options.WorkerPassword!);
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Created the first user {Username} (admin) in source {Source}")]
    private static partial void LogBootstrapped(ILogger logger, string username, string source);
}
