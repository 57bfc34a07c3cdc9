using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Returns.Grader.Web.Infrastructure;

/// <summary>
/// A refusal the domain states once, with the HTTP answer it means (issue 16: "errors once"). Features throw their own
/// subclasses; <see cref="DomainProblemHandler"/> turns any of them into problem+json, so endpoints hold no catch blocks
/// and pages catch the same exceptions to say it in words. The message is the problem's detail: plain words for people.
/// </summary>
public abstract class DomainProblemException(string message, Exception? innerException = null) : Exception(message, innerException)
{
    public abstract int Status { get; }

    public abstract string Title { get; }

    /// <summary>Field → reasons: the problem is then a validation problem keyed by the field (400).</summary>
    public virtual IDictionary<string, string[]>? Errors => null;

    /// <summary>Extra members of the problem, for a client to act on (e.g. the duplicate licence plate).</summary>
    public virtual IReadOnlyDictionary<string, object?> Extensions => new Dictionary<string, object?>();

    /// <summary>Headers the answer carries (e.g. Retry-After).</summary>
    public virtual IReadOnlyDictionary<string, string> Headers => new Dictionary<string, string>();

    /// <summary>
    /// The refusal in <paramref name="exception"/> or what it wraps: EF Core wraps what a command interceptor throws at
    /// SaveChanges in a <c>DbUpdateException</c> (a note with the NUL character reached the station as "Something went
    /// wrong", and an API client as a 500). Null when there is none.
    /// </summary>
    public static DomainProblemException? In(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is DomainProblemException refusal)
            {
                return refusal;
            }
        }
        return null;
    }
}

/// <summary>The one place a <see cref="DomainProblemException"/> becomes an HTTP answer.</summary>
public sealed class DomainProblemHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (DomainProblemException.In(exception) is not { } domain || httpContext.Response.HasStarted)
        {
            return false;
        }
        await WriteAsync(problems, httpContext, domain, cancellationToken);
        return true;
    }

    /// <summary>The answer for <paramref name="domain"/>: its status, headers and problem+json.</summary>
    public static async Task WriteAsync(IProblemDetailsService problems, HttpContext httpContext, DomainProblemException domain, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        ArgumentNullException.ThrowIfNull(domain);
        ProblemDetails problem = domain.Errors is { } errors
            ? new HttpValidationProblemDetails(errors) { Title = domain.Title, Status = domain.Status }
            : new ProblemDetails { Title = domain.Title, Status = domain.Status, Detail = domain.Message };
        foreach (var (key, value) in domain.Extensions)
        {
            problem.Extensions[key] = value;
        }
        foreach (var (name, value) in domain.Headers)
        {
            httpContext.Response.Headers[name] = value;
        }
        httpContext.Response.StatusCode = domain.Status;
        if (!await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = domain }))
        {
            await httpContext.Response.WriteAsJsonAsync(problem, problem.GetType(), options: null, contentType: "application/problem+json", cancellationToken);
        }
    }
}
