using System.Text.Json;
using System.Text.Json.Serialization;

namespace Returns.Grader.Web.Infrastructure;

public static class ApiGroup
{
    /// <summary>
    /// The group every area maps its API endpoints into (Program.cs lists them): each endpoint reads at most
    /// <see cref="ApiLimits.MaxJsonBodyBytes"/>; the upload endpoints set their own, larger limit. A query or route value
    /// with the NUL character is refused naming it (<see cref="NoNulCharacters"/>). Every GET also answers HEAD
    /// (<see cref="AnswerHeadWhereGet"/>).
    /// </summary>
    public static RouteGroupBuilder MapGraderApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("").WithMetadata(new BodySizeLimit(ApiLimits.MaxJsonBodyBytes));
        ((IEndpointConventionBuilder)group).Finally(AnswerHeadWhereGet);
        group.AddEndpointFilter(async (context, next) =>
            NoNulCharacters.InQueryOrRoute(context.HttpContext.Request) is { } field
                ? ApiProblems.InvalidField(field, NoNulCharacters.Reason)
                : await next(context));
        return group;
    }

    /// <summary>
    /// A GET endpoint answers HEAD too, with GET's status and headers and no body (RFC 9110 9.3.2: a server that answers
    /// GET answers HEAD; Kestrel drops a HEAD answer's body, and a file result does not open its body for one). Minimal
    /// APIs map GET alone, so HEAD on an API address was a 404 (fuzz, 2026-12-06): a HEAD-only route candidate, the
    /// static-asset fallback's <c>{**path:file}</c>, took it and then refused the path. Added last ("Finally"), after
    /// the endpoint's own method metadata, which routing reads as the last of its kind.
    /// </summary>
    /// <summary>The OpenAPI document lists a GET once, as the README does, not beside a HEAD operation (from
    /// <see cref="AnswerHeadWhereGet"/>) that would promise a JSON body it never has.</summary>
    public static void DescribeGetOnce(Microsoft.AspNetCore.OpenApi.OpenApiOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var inThisDocument = options.ShouldInclude;
        options.ShouldInclude = description => !HttpMethods.IsHead(description.HttpMethod ?? "") && inThisDocument(description);
    }

    private static void AnswerHeadWhereGet(EndpointBuilder endpoint)
    {
        if (endpoint.Metadata.OfType<IHttpMethodMetadata>().LastOrDefault() is { } methods
            && methods.HttpMethods.Contains(HttpMethods.Get) && !methods.HttpMethods.Contains(HttpMethods.Head))
        {
            endpoint.Metadata.Add(new HttpMethodMetadata([.. methods.HttpMethods, HttpMethods.Head], methods.AcceptCorsPreflight));
        }
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

    /// <summary>
    /// The text-direction overrides (U+202D, U+202E) make text show other than it is stored: a note "\u202E1001-PL" shows
    /// as "LP-1001" and a search for what the supervisor sees finds nothing (exploratory pass, 2026-12-06). Embeddings and
    /// isolates (U+202A-C, U+2066-9), which right-to-left text and i18n libraries use, stay allowed; pages show free text
    /// in its own &lt;bdi&gt;, so it cannot turn the text around it.
    /// </summary>
    public const string DirectionReason =
        "The text contains a text-direction override character (U+202D or U+202E), which makes it show other than it is; remove it.";

    public static bool HasDirectionOverride(string text) => text.AsSpan().IndexOfAny('\u202D', '\u202E') >= 0;

    /// <summary>Every string in a JSON body: one holding a NUL character or a direction override is a JSON error at its path.</summary>
    public sealed class JsonConverter : JsonConverter<string>
    {
        public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var text = reader.GetString();
            return text is null ? null
                : text.Contains('\0', StringComparison.Ordinal) ? throw new JsonException(Reason)
                : HasDirectionOverride(text) ? throw new JsonException(DirectionReason)
                : text;
        }

        public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options)
        {
            ArgumentNullException.ThrowIfNull(writer);
            writer.WriteStringValue(value);
        }
    }
}

/// <summary>
/// A compressed request body (Content-Encoding: gzip, br…) is answered 415 naming the header (RFC 9110 §15.5.16, with
/// Accept-Encoding: identity), before anything reads it: it was a 400 "the body is not valid JSON" for a body that was
/// valid JSON, only compressed (API pass, 2026-12-05, left alone then). The app reads bodies as sent.
/// </summary>
public static class ContentCoding
{
    public const string Reason = "This API reads request bodies uncompressed: send it without Content-Encoding (or with identity).";

    public static IApplicationBuilder UseGraderContentCoding(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            var coding = context.Request.Headers.ContentEncoding.ToString();
            if (coding.Length == 0 || coding.Trim().Equals("identity", StringComparison.OrdinalIgnoreCase)
                || !context.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase))
            {
                await next(context);
                return;
            }
            context.Response.Headers.AcceptEncoding = "identity";
            await Results.ValidationProblem(new Dictionary<string, string[]> { ["Content-Encoding"] = [Reason] },
                statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported content coding",
                detail: $"Content-Encoding: {Reason}").ExecuteAsync(context);
        });
}

/// <summary>
/// What the API answers where none of its endpoints took a request: 404 when no API address matches the path, 405 with
/// <c>Allow</c> listing the methods the API takes there when one does. Routing alone got both wrong, because the
/// static-asset fallback (<c>{**path:file}</c>, GET and HEAD) is a candidate for every path: it put GET and HEAD into
/// every API 405 (PATCH on a set-aside address said "Allow: DELETE, GET, HEAD, PUT"; exploratory pass, 2026-12-06), made
/// POST to an address the API does not have a 405 "Allow: GET, HEAD" instead of a 404, and took GET on a POST-only
/// address, which then found no file: a 404 where the address exists (RFC 9110 15.5.6: 405, with what it takes).
/// Where routing refused a body's content type (its 415), the API endpoint at that address and method is chosen instead,
/// so that authentication, authorization, the rate limits and antiforgery run as for any request to it, and its own
/// reading of the body answers 415 (a caller without a key or the role was told 415, not 401 or 403: security pass,
/// 2026-12-07). A wrong content type therefore spends the caller's rate-limit allowance like any request, and a cookie
/// request without an antiforgery token is refused for the token first. Runs after routing has chosen, before
/// authentication, as routing's own 405 did.
/// </summary>
public static class UnmatchedApiRequests
{
    public static IApplicationBuilder UseGraderUnmatchedApiAnswers(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var addresses = new Lazy<(Microsoft.AspNetCore.Routing.Template.TemplateMatcher Matcher, IReadOnlyList<string> Methods, RouteEndpoint Endpoint)[]>(() =>
            [.. app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
                .Where(e => IsApiEndpoint(e) && e.Metadata.GetMetadata<IHttpMethodMetadata>() is not null)
                .Select(e => (new Microsoft.AspNetCore.Routing.Template.TemplateMatcher(
                        Microsoft.AspNetCore.Routing.Template.TemplateParser.Parse(e.RoutePattern.RawText!), new RouteValueDictionary()),
                    e.Metadata.GetMetadata<IHttpMethodMetadata>()!.HttpMethods, e))]);
        return app.Use(async (context, next) =>
        {
            if (!context.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase)
                || context.GetEndpoint() is RouteEndpoint chosen && IsApiEndpoint(chosen))
            {
                await next(context);
                return;
            }
            var path = context.Request.Path;
            var matching = addresses.Value.Select(a => (a.Endpoint, a.Methods, a.Matcher, Values: new RouteValueDictionary()))
                .Where(a => a.Matcher.TryMatch(path, a.Values)).ToList();
            var methods = matching.SelectMany(a => a.Methods).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal).ToList();
            if (methods.Contains(context.Request.Method, StringComparer.OrdinalIgnoreCase))
            {
                // The address takes the method and routing refused something else: routing's 415 for a body of another
                // content type. It came before the credentials and the role were checked, so a caller without them was
                // told 415, not 401 or 403 (security pass, 2026-12-07). The endpoint itself answers instead, after
                // authorization: its own reading of the body refuses the content type with the same 415.
                var takers = matching.Where(a => a.Methods.Contains(context.Request.Method, StringComparer.OrdinalIgnoreCase)).ToList();
                if (takers is [var taker])
                {
                    context.SetEndpoint(taker.Endpoint);
                    context.Request.RouteValues = taker.Values;
                }
                // Two API templates that both take this address and method (none today: the API's addresses do not
                // overlap) would leave routing's 415 standing, before authentication, as it was before.
                await next(context);
                return;
            }
            context.SetEndpoint(null); // nothing else answers it; the status-code pages write the problem+json
            if (methods.Count == 0)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }
            context.Response.Headers.Allow = string.Join(", ", methods);
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
        });
    }

    private static bool IsApiEndpoint(RouteEndpoint endpoint) =>
        endpoint.RoutePattern.RawText?.StartsWith("/api/", StringComparison.OrdinalIgnoreCase) == true;
}
