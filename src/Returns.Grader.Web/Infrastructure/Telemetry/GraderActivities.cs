using System.Diagnostics;

namespace Returns.Grader.Web.Infrastructure.Telemetry;

/// <summary>The app's own spans (an ActivitySource is process-wide by design, so it is static, unlike the meter).</summary>
public static class GraderActivities
{
    public const string SourceName = "Returns.Grader";

    public static readonly ActivitySource Source = new(SourceName, typeof(GraderActivities).Assembly.GetName().Version?.ToString());
}
