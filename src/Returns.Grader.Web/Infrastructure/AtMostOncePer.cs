namespace Returns.Grader.Web.Infrastructure;

/// <summary>
/// Says yes at most once per <paramref name="interval"/>, across threads: for a warning that every request or every open
/// page would otherwise log (a sign-in check the database cannot answer, Entra out of reach).
/// </summary>
public sealed class AtMostOncePer(TimeSpan interval, TimeProvider clock)
{
    private long _lastYes; // the clock's timestamp of the last yes; 0: never

    public bool Now()
    {
        var now = clock.GetTimestamp();
        var last = Interlocked.Read(ref _lastYes);
        return (last == 0 || clock.GetElapsedTime(last, now) >= interval) && Interlocked.CompareExchange(ref _lastYes, now, last) == last;
    }
}
