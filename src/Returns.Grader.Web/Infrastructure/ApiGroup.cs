using System.Text.Json;
using System.Text.Json.Serialization;

namespace Returns.Grader.Web.Infrastructure;

public static class ApiGroup
{
    /// <summary>
    /// The group every area maps its API endpoints into (Program.cs lists them): each endpoint reads at most
    /// <see cref="ApiLimits.MaxJsonBodyBytes"/>; the upload endpoints set their own, larger limit. A query or route value
    /// with the NUL character is refused naming it (<see cref="NoNulCharacters"/>).
    /// </summary>
    public static RouteGroupBuilder MapGraderApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("").WithMetadata(new BodySizeLimit(ApiLimits.MaxJsonBodyBytes));
        group.AddEndpointFilter(async (context, next) =>
            NoNulCharacters.InQueryOrRoute(context.HttpContext.Request) is { } field
                ? ApiProblems.InvalidField(field, NoNulCharacters.Reason)
                : await next(context));
        return group;
    }
}

/// <summary>
/// The NUL character (U+0000) is refused wherever text comes in: PostgreSQL cannot store or compare it, and a note, a
/// filter or a licence plate holding one gave a 500 there, and an export filter holding one a job retried for ever
/// (API pass, 2026-12-05); SQLite took it. Refused on every provider alike, naming the field.
/// </summary>
public static class NoNulCharacters
{
    public const string Reason = "The text contains the NUL character (U+0000), which cannot be stored; remove it.";

    /// <summary>The first query parameter or route value holding a NUL character, or null.</summary>
    public static string? InQueryOrRoute(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        foreach (var (key, values) in request.Query)
        {
            if (key.Contains('\0', StringComparison.Ordinal) || values.Any(v => v?.Contains('\0', StringComparison.Ordinal) == true))
            {
                return key;
            }
        }
        foreach (var (key, value) in request.RouteValues)
        {
            if (value is string text && text.Contains('\0', StringComparison.Ordinal))
            {
                return key;
            }
        }
        return null;
    }

    /// <summary>Every string in a JSON body: one holding a NUL character is a JSON error at its path.</summary>
    public sealed class JsonConverter : JsonConverter<string>
    {
        public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var text = reader.GetString();
            return text is not null && text.Contains('\0', StringComparison.Ordinal) ? throw new JsonException(Reason) : text;
        }

        public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options)
        {
            ArgumentNullException.ThrowIfNull(writer);
            writer.WriteStringValue(value);
        }
    }
}
