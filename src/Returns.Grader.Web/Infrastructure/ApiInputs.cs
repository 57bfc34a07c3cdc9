using Microsoft.AspNetCore.Http.Metadata;

namespace Returns.Grader.Web.Infrastructure;

/// <summary>How the API reads what callers send, in one place for every feature.</summary>
public static class ApiTimes
{
    /// <summary>A time without a zone is UTC (the API's documented rule); one with a zone is converted to UTC.</summary>
    public static DateTime? AssumeUtc(DateTime? time) => time is not { } t ? null
        : t.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : t.ToUniversalTime();
}

/// <summary>A request-size limit: the API group's JSON limit, or an upload endpoint's own (the last one on an endpoint wins).</summary>
internal sealed record BodySizeLimit(long? MaxRequestBodySize) : IRequestSizeLimitMetadata;
