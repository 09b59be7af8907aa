namespace Imaging.TestSupport;

/// <summary>A clock the tests move by hand (token expiry, signed-link lifetime, back-off, leases); time passes only when they say so.</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
