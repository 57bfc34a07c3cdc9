using System.Globalization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Returns.Grader.Web.Infrastructure;

/// <summary>
/// Reads a multipart upload (photos, models) and says plainly why one cannot be read: a truncated body, a missing
/// boundary or too many form fields is the caller's 400, a body over the endpoint's limit 413, a body slower than the
/// server's minimum data rate 408. Each names its cause; none is a 500.
/// </summary>
public static class MultipartForms
{
    public static async Task<(IFormCollection? Form, IResult? Problem)> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        try
        {
            return (await request.ReadFormAsync(cancellationToken), null);
        }
        catch (BadHttpRequestException e)
        {
            var limit = request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
            var problem = RequestErrors.Describe(e, limit);
            return (null, Results.Problem(problem));
        }
        catch (InvalidDataException e)
        {
            var options = request.HttpContext.RequestServices.GetService<IOptions<FormOptions>>()?.Value ?? new FormOptions();
            return (null, Invalid(e.Message, options));
        }
        catch (IOException) when (!cancellationToken.IsCancellationRequested && !request.HttpContext.RequestAborted.IsCancellationRequested)
        {
            // The body ended before the closing boundary: a truncated upload.
            return (null, Problem("body", "The multipart body ended before its closing boundary (the upload was cut short); send it again."));
        }
    }

    /// <summary>The form reader's own messages (Microsoft.AspNetCore.WebUtilities), each mapped to the field it concerns.</summary>
    private static IResult Invalid(string message, FormOptions options)
    {
        if (message.Contains("boundary", StringComparison.OrdinalIgnoreCase))
        {
            return Problem("Content-Type", "multipart/form-data needs a boundary parameter (Content-Type: multipart/form-data; boundary=...).");
        }
        if (message.Contains("value count limit", StringComparison.OrdinalIgnoreCase))
        {
            return Problem("form", $"The form has more than {options.ValueCountLimit.ToString("N0", CultureInfo.InvariantCulture)} fields, the most accepted.");
        }
        if (message.Contains("body length limit", StringComparison.OrdinalIgnoreCase))
        {
            return Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Upload too large", detail: message);
        }
        return Problem("form", $"The multipart body cannot be read: {message}");
    }

    private static IResult Problem(string field, string reason) =>
        Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [reason] }, title: "The upload cannot be read", detail: $"{field}: {reason}");
}
