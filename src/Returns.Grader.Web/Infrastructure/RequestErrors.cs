using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;

namespace Returns.Grader.Web.Infrastructure;

/// <summary>The API's documented request limits (README, "Errors and limits").</summary>
public static class ApiLimits
{
    /// <summary>
    /// The largest JSON body any endpoint reads. The largest legitimate one, a grade with 200 damage boxes and 2,000
    /// characters of notes, is about 40 KB; uploads (photos, models) carry their own, larger limits.
    /// </summary>
    public const long MaxJsonBodyBytes = 256 * 1024;
}

/// <summary>
/// Turns a request the framework could not bind (malformed JSON, a value of the wrong type, a missing or unparsable
/// query or route value, a body too large or too slow) into 400/408/413/415 problem+json whose <c>errors</c> name the
/// field and the reason. Minimal APIs throw <see cref="BadHttpRequestException"/> for these once
/// <c>RouteHandlerOptions.ThrowOnBadRequest</c> is on, which the app sets in every environment (ADR 0018).
/// </summary>
public sealed class BadRequestExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad)
        {
            return false;
        }
        var limit = httpContext.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
        // The body's type (from the endpoint's Accepts metadata) lets a wrong value name the type its field wants.
        // The exception-handler middleware clears the request's endpoint before handlers run; its feature keeps it.
        var endpoint = httpContext.Features.Get<IExceptionHandlerFeature>()?.Endpoint ?? httpContext.GetEndpoint();
        var bodyType = endpoint?.Metadata.GetMetadata<Microsoft.AspNetCore.Http.Metadata.IAcceptsMetadata>()?.RequestType;
        var problem = RequestErrors.Describe(bad, limit, bodyType);
        httpContext.Response.StatusCode = problem.Status!.Value;
        if (!await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception }))
        {
            // The caller's Accept header named no JSON type; it still gets the reason rather than an empty 400.
            await httpContext.Response.WriteAsJsonAsync(problem, problem.GetType(), options: null, contentType: "application/problem+json", cancellationToken);
        }
        return true;
    }
}

/// <summary>Words for the ways a request can fail before an endpoint sees it.</summary>
public static partial class RequestErrors
{
    public const string BodyField = "body";

    /// <summary>A problem for a binding failure, with <c>errors</c> keyed by the field when one can be named.</summary>
    /// <param name="bodyType">The JSON body's .NET type, when known: a value of the wrong type then names the type its field
    /// wants (System.Text.Json names the record that holds it instead).</param>
    public static ProblemDetails Describe(BadHttpRequestException exception, long? bodyLimit, Type? bodyType = null)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (exception.StatusCode != StatusCodes.Status400BadRequest)
        {
            var problem = new ProblemDetails { Status = exception.StatusCode };
            Explain(problem, bodyLimit);
            return problem;
        }

        var parameter = Parameter().Match(exception.Message);
        var name = parameter.Success ? parameter.Groups["name"].Value : null;
        var type = parameter.Groups["type"].Success ? parameter.Groups["type"].Value : null;
        string field;
        string reason;
        if (exception.InnerException is JsonException json)
        {
            // Broken JSON is the body's fault, not the field the reader had reached (README: keyed "body"); a value of the
            // wrong type is its field's.
            var brokenJson = json.InnerException is not null && !JsonConversion().IsMatch(json.Message);
            field = brokenJson ? BodyField : JsonField(json.Path);
            reason = JsonReason(json, bodyType);
        }
        else if (exception.Message.StartsWith("Failed to bind parameter", StringComparison.Ordinal) && name is not null)
        {
            field = name;
            var value = BoundValue().Match(exception.Message) is { Success: true } bound ? bound.Groups["value"].Value : "";
            reason = $"'{(value.Length > 64 ? value[..64] + "…" : value)}' is not {Expected(type)}.";
        }
        else if (exception.Message.StartsWith("Required parameter", StringComparison.Ordinal) && name is not null)
        {
            var fromBody = exception.Message.EndsWith("from body.", StringComparison.Ordinal);
            field = fromBody ? BodyField : name;
            reason = fromBody ? "A JSON body is required." : $"'{name}' is required.";
        }
        else if (exception.Message.Contains("anti-forgery", StringComparison.Ordinal))
        {
            return Problem(StatusCodes.Status400BadRequest, "Missing or invalid antiforgery token", "Reload the page and try again.");
        }
        else if (exception.Message.StartsWith("Implicit body inferred", StringComparison.Ordinal))
        {
            field = BodyField;
            reason = "A JSON body is required.";
        }
        else
        {
            field = name ?? BodyField;
            reason = "The request could not be read.";
        }
        return new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [reason] })
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "The request is not valid",
            Detail = $"{field}: {reason}",
        };
    }

    /// <summary>
    /// The ProblemDetails customization: a problem the framework made from a bare status code (the JSON binder answers a
    /// body over the limit, a slow body or a broken connection with a status and no body; status-code pages turn that
    /// into problem+json) gets the reason and the limit.
    /// </summary>
    public static void Customize(ProblemDetailsContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.ProblemDetails is HttpValidationProblemDetails { Detail: null, Errors.Count: > 0 } invalid)
        {
            // Every refusal has a detail in plain words (README): the validation answers had only a title and "errors", so a
            // client showing the detail showed nothing (security pass, 2026-12-07). The fields, each with its reason.
            const int Named = 3;
            invalid.Detail = string.Join(" ", invalid.Errors.Take(Named).Select(e => $"{e.Key}: {string.Join(" ", e.Value)}"))
                + (invalid.Errors.Count > Named ? $" ({invalid.Errors.Count - Named} more in \"errors\")" : "");
        }
        if (context.ProblemDetails.Detail is null)
        {
            Explain(context.ProblemDetails, context.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize);
            if (context.ProblemDetails.Status == StatusCodes.Status401Unauthorized
                && context.HttpContext.RequestServices.GetService<Auth.SignInMode>() is { IsLocal: false })
            {
                // With Entra ID there are no API keys: the development wording sent integrators looking for one.
                context.ProblemDetails.Detail = "No valid credentials: send an Entra ID access token for this app as \"Authorization: Bearer <token>\", or sign in.";
            }
        }
    }

    /// <summary>Statuses the framework answers with nothing but the number, in words (README: every refusal says why).</summary>
    private static readonly Dictionary<int, (string Title, string Detail)> BareStatuses = new()
    {
        [StatusCodes.Status408RequestTimeout] = ("Request body too slow", "The request body arrived more slowly than the server's minimum data rate; send it again."),
        [StatusCodes.Status415UnsupportedMediaType] = ("Unsupported content type",
            "This endpoint does not read a body of that Content-Type: JSON endpoints read application/json, uploads multipart/form-data."),
        // Said for a wrong or doubled key too, not only a missing one ("anonymous callers" misled an integrator whose key was wrong).
        [StatusCodes.Status401Unauthorized] = ("Sign-in required",
            "No valid credentials: send one API key this app knows in X-Api-Key (a wrong, unknown or repeated key is refused), or sign in."),
        [StatusCodes.Status403Forbidden] = ("Not allowed for your role", "Your role may not use this endpoint; the README's HTTP API table lists the roles of each."),
        [StatusCodes.Status404NotFound] = ("Not found", "Nothing answers at this address; the README's HTTP API table lists the endpoints."),
        [StatusCodes.Status405MethodNotAllowed] = ("Method not allowed",
            "This address does not take that method; the README's HTTP API table lists each endpoint's method."),
    };

    private static void Explain(ProblemDetails problem, long? bodyLimit)
    {
        switch (problem.Status)
        {
            case StatusCodes.Status413PayloadTooLarge:
                problem.Title = "Request too large";
                problem.Detail = bodyLimit is { } max
                    ? $"The request body is larger than the {max.ToString("N0", CultureInfo.InvariantCulture)} bytes this endpoint accepts."
                    : "The request body is larger than this endpoint accepts.";
                break;
            case { } status when BareStatuses.TryGetValue(status, out var words):
                (problem.Title, problem.Detail) = words;
                break;
            case StatusCodes.Status400BadRequest when problem is not HttpValidationProblemDetails && !problem.Extensions.ContainsKey("errors"):
                const string reason = "The request body could not be read: it ended early or the connection failed.";
                problem.Title = "The request is not valid";
                problem.Detail = $"{BodyField}: {reason}";
                problem.Extensions["errors"] = new Dictionary<string, string[]> { [BodyField] = [reason] };
                break;
        }
    }

    /// <summary>"$.damage[0].box[0]" → "damage[0].box[0]": the field as the caller wrote it; the root is "body".</summary>
    public static string JsonField(string? path) =>
        string.IsNullOrEmpty(path) || path == "$" ? BodyField : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');

    /// <summary>The reasons this app's own JSON converters refuse a value with, shown as they are.</summary>
    private static readonly string[] OwnConverterReasons = [NoNulCharacters.Reason, NoNulCharacters.DirectionReason, ExactDecimalConverter.Reason];

    private static string JsonReason(JsonException json, Type? bodyType)
    {
        var conversion = JsonConversion().Match(json.Message);
        if (conversion.Success)
        {
            var named = conversion.Groups["type"].Value;
            // For a record bound through its constructor the serializer names the record, not the field's type.
            var fieldType = named.StartsWith("Returns.Grader.", StringComparison.Ordinal) && bodyType is not null ? TypeAt(bodyType, json.Path) : null;
            return $"The value must be {Expected(fieldType is null ? named : TypeName(fieldType))}.";
        }
        // The serializer appends the path to a converter's own message: the reason is what it starts with.
        if (Array.Find(OwnConverterReasons, own => json.Message.StartsWith(own, StringComparison.Ordinal)) is { } reason)
        {
            return reason;
        }
        if (json.Message.Contains("could not be mapped to any .NET member", StringComparison.Ordinal))
        {
            return "This request has no such field: check its spelling against the API's documentation.";
        }
        var where = json.LineNumber is { } line && json.BytePositionInLine is { } position ? $" (line {line + 1}, byte {position + 1})" : "";
        if (json.Message.StartsWith("Duplicate propert", StringComparison.Ordinal))
        {
            return $"The field is given twice{where}: give each field once.";
        }
        if (json.InnerException?.Message.Contains("maximum configured depth", StringComparison.Ordinal) == true)
        {
            return $"The JSON is nested deeper than this API reads{where}.";
        }
        return json.InnerException is not null
            ? $"The body is not valid JSON{where}."
            : $"The JSON does not have the expected shape{where}.";
    }

    /// <summary>The .NET type at a JSON path ("$.damage[0].photoId") of <paramref name="root"/>, matching property names
    /// as the web defaults do (any case); null where the path leaves the type's properties.</summary>
    public static Type? TypeAt(Type root, string? path)
    {
        ArgumentNullException.ThrowIfNull(root);
        if (string.IsNullOrEmpty(path) || !path.StartsWith('$'))
        {
            return null;
        }
        var type = root;
        foreach (Match segment in PathSegment().Matches(path[1..]))
        {
            if (segment.Groups["index"].Success)
            {
                type = ElementType(type);
            }
            else
            {
                var name = segment.Groups["name"].Value;
                type = type.GetProperty(name, System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.IgnoreCase)?.PropertyType;
            }
            if (type is null)
            {
                return null;
            }
        }
        return type;
    }

    private static Type? ElementType(Type type) =>
        type.IsArray ? type.GetElementType()
        : type.GetInterfaces().Append(type).FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))?.GetGenericArguments()[0];

    /// <summary>A type as Expected reads it: "System.Nullable`1[System.Decimal]", "System.Guid", "...[]".</summary>
    private static string TypeName(Type type) =>
        Nullable.GetUnderlyingType(type) is { } inner ? $"System.Nullable`1[{inner.FullName}]"
        : type != typeof(string) && ElementType(type) is not null ? "System.Object[]"
        : type.FullName ?? type.Name;

    /// <summary>A .NET type name, as the framework or the serializer writes it, in words a caller understands.</summary>
    public static string Expected(string? typeName)
    {
        var type = (typeName ?? "").Trim();
        var nullable = NullableOf().Match(type);
        if (nullable.Success)
        {
            type = nullable.Groups["inner"].Value;
        }
        type = type.TrimEnd('?');
        if (type.EndsWith("[]", StringComparison.Ordinal) || type.Contains("List`1", StringComparison.Ordinal) || type.Contains("Enumerable`1", StringComparison.Ordinal)
            || type.Contains("Collection`1", StringComparison.Ordinal))
        {
            return "an array";
        }
        var bare = type.StartsWith("System.", StringComparison.Ordinal) ? type["System.".Length..] : type;
        return bare.ToLowerInvariant() switch
        {
            "guid" => "a GUID (e.g. 0196f4e2-3c5a-7b1e-9a2f-4c8d6e0b1a23)",
            "datetime" or "datetimeoffset" => "a date and time (ISO 8601, e.g. 2026-05-01T08:00:00Z)",
            "dateonly" => "a date (ISO 8601, e.g. 2026-05-01)",
            "int" or "int32" or "long" or "int64" or "short" or "int16" => "a whole number in range",
            "double" or "single" or "float" or "decimal" => "a finite number in range",
            "bool" or "boolean" => "true or false",
            "string" => "a string",
            _ when type.StartsWith("Returns.Grader.", StringComparison.Ordinal) => "an object",
            _ => "a value of the expected type",
        };
    }

    private static ProblemDetails Problem(int status, string title, string detail) =>
        new() { Status = status, Title = title, Detail = detail };

    // The framework's messages (Microsoft.AspNetCore.Http.Extensions resources): 'parameter "Type name"', '"... from "value".'
    [GeneratedRegex("parameter \"(?:(?<type>[^\"]+) )?(?<name>[^\" ]+)\"", RegexOptions.CultureInvariant)]
    private static partial Regex Parameter();

    [GeneratedRegex("from \"(?<value>.*)\"\\.$", RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex BoundValue();

    [GeneratedRegex("^The JSON value could not be converted to (?<type>[^ ]+)\\.", RegexOptions.CultureInvariant)]
    private static partial Regex JsonConversion();

    // "System.Nullable`1[System.Guid]" (the serializer's), "Nullable<Guid>" (a query parameter's, as the framework names it)
    [GeneratedRegex("^(?:System\\.Nullable`1\\[(?<inner>.+)\\]|(?:System\\.)?Nullable<(?<inner>.+)>)$", RegexOptions.CultureInvariant)]
    private static partial Regex NullableOf();

    // ".damage[0].photoId" → "damage", "[0]", "photoId"; a quoted name ("['odd name']") as a name.
    [GeneratedRegex("\\.(?<name>[A-Za-z0-9_]+)|\\[(?<index>[0-9]+)\\]|\\['(?<name>[^']*)'\\]", RegexOptions.CultureInvariant)]
    private static partial Regex PathSegment();
}
