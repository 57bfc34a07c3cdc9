using Microsoft.AspNetCore.Http.Metadata;

namespace Returns.Grader.Web.Infrastructure;

/// <summary>How the API reads what callers send, in one place for every feature.</summary>
public static class ApiTimes
{
    /// <summary>A time without a zone is UTC (the API's documented rule); one with a zone is converted to UTC.</summary>
    public static DateTime? AssumeUtc(DateTime? time) => time is not { } t ? null
        : t.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : t.ToUniversalTime();
}

/// <summary>An endpoint's own request-size limit (uploads that are larger than Kestrel's default on purpose).</summary>
internal sealed record UploadSizeLimit(long? MaxRequestBodySize) : IRequestSizeLimitMetadata;
