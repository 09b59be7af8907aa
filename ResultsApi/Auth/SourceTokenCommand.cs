namespace Imaging.ResultsApi.Auth;

/// <summary>
/// `ResultsApi tokens …`, the administrator's command line for source API tokens, for when no admin can log in yet
/// (a new source, a lost password) or for scripts. It uses the service's own configuration (ConnectionStrings:resultsdb)
/// and runs instead of the web server:
///   tokens create --source NAME --name TEXT   prints the token once
///   tokens list --source NAME                 id, name, created, revoked
///   tokens revoke ID
/// </summary>
public static class SourceTokenCommand
{
    public const string Usage = """
        usage: ResultsApi tokens create --source NAME --name TEXT
               ResultsApi tokens list --source NAME
               ResultsApi tokens revoke TOKEN-ID
        """;

    public static async Task<int> RunAsync(IServiceProvider services, string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ResultsDbContext>();
        var tokens = scope.ServiceProvider.GetRequiredService<SourceTokens>();
        var options = Options(args.Skip(1));
        switch (args.FirstOrDefault())
        {
            case "create" when options.TryGetValue("source", out var sourceName) && options.TryGetValue("name", out var name):
                if (SourceTokens.ValidateName(name) is { } invalid)
                {
                    await error.WriteLineAsync(invalid);
                    return 2;
                }

                if (await SourceAsync(db, sourceName, error, cancellationToken) is not { } source)
                {
                    return 1;
                }

                var (token, secret) = await tokens.CreateAsync(db, source, name, "command line", cancellationToken);
                await output.WriteLineAsync($"Token {token.Id} '{token.Name}' for source '{sourceName}' (shown once, keep it):");
                await output.WriteLineAsync(secret);
                return 0;
            case "list" when options.TryGetValue("source", out var sourceName):
                if (await SourceAsync(db, sourceName, error, cancellationToken) is not { } listed)
                {
                    return 1;
                }

                foreach (var existing in await db.SourceApiTokens.AsNoTracking().Where(t => t.SourceId == listed).OrderBy(t => t.DatetimeCreated).ToListAsync(cancellationToken))
                {
                    await output.WriteLineAsync($"{existing.Id}  {existing.Name}  created {existing.DatetimeCreated:u}{(existing.RevokedAt is { } at ? $"  revoked {at:u}" : "")}");
                }

                return 0;
            case "revoke" when args.Length == 2 && Guid.TryParse(args[1], out var id):
                if (!await tokens.RevokeAsync(db, id, cancellationToken))
                {
                    await error.WriteLineAsync($"There is no token {id}.");
                    return 1;
                }

                await output.WriteLineAsync($"Token {id} revoked.");
                return 0;
            default:
                await error.WriteLineAsync(Usage);
                return 2;
        }
    }

    private static async Task<Guid?> SourceAsync(ResultsDbContext db, string name, TextWriter error, CancellationToken cancellationToken)
    {
        var id = await db.Sources.Where(s => s.Name == name).Select(s => (Guid?)s.Id).SingleOrDefaultAsync(cancellationToken);
        if (id is null)
        {
            await error.WriteLineAsync($"There is no source '{name}'.");
        }

        return id;
    }

    private static Dictionary<string, string> Options(IEnumerable<string> args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        string? key = null;
        foreach (var arg in args)
        {
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                key = arg[2..];
            }
            else if (key is not null)
            {
                options[key] = arg;
                key = null;
            }
        }

        return options;
    }
}
