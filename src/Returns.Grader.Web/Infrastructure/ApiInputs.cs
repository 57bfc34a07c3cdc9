using Microsoft.AspNetCore.Http.Metadata;

namespace Returns.Grader.Web.Infrastructure;

/// <summary>How the API reads what callers send, in one place for every feature.</summary>
public static class ApiTimes
{
    /// <summary>A time without a zone is UTC (the API's documented rule); one with a zone is converted to UTC.</summary>
    public static DateTime? AssumeUtc(DateTime? time) => time is not { } t ? null
        : t.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : t.ToUniversalTime();

    /// <summary>'To' is the first moment not counted: at or before 'From' nothing could be, which is a mistake to say,
    /// not an empty answer (quality, exports and the model comparison alike).</summary>
    public static bool EndsBeforeItStarts(DateTime? from, DateTime? to) => from is { } f && to is { } t && t <= f;

    /// <summary>What the API says, on the field "to", when <see cref="EndsBeforeItStarts"/>.</summary>
    public const string RangeReversed = "'to' must be after 'from'.";
}

/// <summary>A request-size limit: the API group's JSON limit, or an upload endpoint's own (the last one on an endpoint wins).</summary>
internal sealed record BodySizeLimit(long? MaxRequestBodySize) : IRequestSizeLimitMetadata;
