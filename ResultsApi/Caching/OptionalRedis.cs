using StackExchange.Redis;

namespace Imaging.ResultsApi.Caching;

/// <summary>
/// Redis as ResultsApi uses it: a cache and short leases, neither needed for a correct answer. Every call gives up
/// after <see cref="CacheOptions.Timeout"/> and reports Redis as unavailable instead of throwing, so an outage slows
/// requests by at most that and changes no outcome; /health reports it (Degraded) meanwhile.
/// </summary>
public sealed partial class OptionalRedis(IConnectionMultiplexer redis, IOptions<CacheOptions> options, ILogger<OptionalRedis> logger)
{
    private int _unavailable;

    /// <summary>The cached value, or null when there is none or Redis is unavailable.</summary>
    public async Task<string?> GetAsync(string key)
    {
        var value = await TryAsync(database => database.StringGetAsync(Key(key)));
        return value is { IsNull: false } found ? found.ToString() : null;
    }

    public async Task SetAsync(string key, string value, TimeSpan expiry) =>
        await TryAsync(async database => await database.StringSetAsync(Key(key), value, expiry));

    /// <summary>
    /// Takes the lease <paramref name="name"/> for <paramref name="holdFor"/> unless another holder has it: true when
    /// taken, false when held elsewhere, null when Redis is unavailable (the caller decides what is safe then).
    /// </summary>
    public async Task<bool?> TryTakeLeaseAsync(string name, string holder, TimeSpan holdFor)
    {
        var taken = await TryAsync(async database => (bool?)await database.StringSetAsync(Key("lease:" + name), holder, holdFor, When.NotExists));
        return taken;
    }

    private string Key(string key) => options.Value.KeyPrefix + key;

    private async Task<T?> TryAsync<T>(Func<IDatabase, Task<T>> call)
    {
        // Disconnected, the client would queue the command until its own (5 s) timeout; skip it at once instead.
        if (!redis.IsConnected)
        {
            NoteUnavailable("not connected");
            return default;
        }

        try
        {
            var result = await call(redis.GetDatabase()).WaitAsync(options.Value.Timeout);
            if (Interlocked.Exchange(ref _unavailable, 0) == 1)
            {
                LogBack(logger);
            }

            return result;
        }
        catch (Exception error) when (error is RedisException or TimeoutException)
        {
            NoteUnavailable(error.Message);
            return default;
        }
    }

    private void NoteUnavailable(string reason)
    {
        // Once per outage, not once per request.
        if (Interlocked.Exchange(ref _unavailable, 1) == 0)
        {
            LogUnavailable(logger, reason);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis is unavailable ({Reason}); going on without the cache and leases")]
    private static partial void LogUnavailable(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Redis answers again; the cache and leases are back")]
    private static partial void LogBack(ILogger logger);
}
