using Microsoft.AspNetCore.Identity;

namespace Imaging.ResultsApi.Data;

/// <summary>
/// Before the service takes requests: applies the migrations, and when no user exists and a bootstrap password is
/// configured (the app host gives one in development), creates the first source and admin.
/// </summary>
internal sealed partial class ResultsDatabaseStartup(IServiceProvider services, IOptions<BootstrapOptions> bootstrap, TimeProvider time, ILogger<ResultsDatabaseStartup> logger)
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
            await EnsureAccountAsync(db, hasher, options.WorkerUsername, Roles.Service, options.SourceName, options.WorkerPassword, cancellationToken);
        }

        if (!string.IsNullOrEmpty(options.DemoPassword))
        {
            await EnsureAccountAsync(db, hasher, options.DemoUsername, Roles.Admin, options.DemoSourceName, options.DemoPassword, cancellationToken);
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

    // The worker's and the demo's passwords come from the app host's secret store, so they are set again on each start
    // rather than only once.
    private async Task EnsureAccountAsync(ResultsDbContext db, IPasswordHasher<User> hasher, string username, string role, string sourceName, string password,
        CancellationToken cancellationToken)
    {
        var user = await db.Users.SingleOrDefaultAsync(u => u.Username == username, cancellationToken);
        if (user is null)
        {
            var source = await db.Sources.SingleOrDefaultAsync(s => s.Name == sourceName, cancellationToken)
                ?? db.Sources.Add(new Source { Id = Guid.NewGuid(), Name = sourceName, DatetimeCreated = time.GetUtcNow() }).Entity;
            user = db.Users.Add(new User { Username = username, SourceId = source.Id, Role = role, PasswordHash = "", DatetimeCreated = time.GetUtcNow() }).Entity;
        }
        else if (user.Role != role)
        {
            throw new InvalidOperationException($"User '{user.Username}' exists with role {user.Role}, but this account must have role {role}. Change its role or choose another username ({BootstrapOptions.SectionName}:*Username).");
        }

        if (user.PasswordHash.Length == 0 || hasher.VerifyHashedPassword(user, user.PasswordHash, password) == PasswordVerificationResult.Failed)
        {
            user.PasswordHash = hasher.HashPassword(user, password);
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Created the first user {Username} (admin) in source {Source}")]
    private static partial void LogBootstrapped(ILogger logger, string username, string source);
}
