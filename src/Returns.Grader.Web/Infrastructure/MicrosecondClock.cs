namespace Returns.Grader.Web.Infrastructure;

/// <summary>
/// The system clock to the microsecond, the finest time every database here keeps (PostgreSQL stores microseconds): a
/// time the API answered with at a save (100 ns ticks) was not the time a later read gave for the same decision, so a
/// client matching on it found nothing (API pass, 2026-12-05).
/// </summary>
public sealed class MicrosecondClock : TimeProvider
{
    public static MicrosecondClock Instance { get; } = new();

    private MicrosecondClock()
    {
    }

    public override DateTimeOffset GetUtcNow()
    {
        var now = System.GetUtcNow();
        return now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMicrosecond));
    }

    public override TimeZoneInfo LocalTimeZone => System.LocalTimeZone;

    public override long TimestampFrequency => System.TimestampFrequency;

    public override long GetTimestamp() => System.GetTimestamp();
}
