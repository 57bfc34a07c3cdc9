using System.Globalization;
using Microsoft.Extensions.Options;

namespace Returns.Grader.Web.Infrastructure;

/// <summary>
/// Times as the people at the site read them, in the zone of <see cref="GraderOptions.TimeZone"/>. The one place pages
/// turn a stored UTC time into a clock time (they used the server's zone, which on a cloud host is UTC, unlabelled).
/// The API, exports and the quality page's days stay in UTC and say so.
/// </summary>
public sealed class SiteTime(IOptions<GraderOptions> options)
{
    public TimeZoneInfo Zone { get; } = options.Value.TimeZone is { } id ? TimeZoneInfo.FindSystemTimeZoneById(id) : TimeZoneInfo.Local;

    /// <summary>A stored UTC time on the site's clock.</summary>
    public DateTime AtSite(DateTime utc) => TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), Zone);

    /// <summary>"14:05": a time later today, such as the end of a lease.</summary>
    public string Clock(DateTime utc) => AtSite(utc).ToString("HH:mm", CultureInfo.InvariantCulture);

    /// <summary>"2026-12-05 14:05": when something was decided.</summary>
    public string DateAndClock(DateTime utc) => AtSite(utc).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
}
