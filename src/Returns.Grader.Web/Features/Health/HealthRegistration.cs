using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Features.Models;
using Returns.Grader.Web.Features.Photos;

namespace Returns.Grader.Web.Features.Health;

/// <summary>
/// /healthz: the process answers. /readyz: the database and the photo store can be used. Both anonymous, so /readyz
/// names the dependency that failed in fixed words; the exception itself goes to the log once per change of failure
/// (<see cref="HealthFailureLog"/>), never to the caller.
/// </summary>
public static partial class HealthRegistration
{
    private const string ReadyTag = "ready";

    public static WebApplicationBuilder AddGraderHealth(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<HealthFailureLog>();
        builder.Services.AddHealthChecks()
            .AddCheck<DatabaseCheck>("database", tags: [ReadyTag])
            .AddCheck<PhotoStoreCheck>("photo-store", tags: [ReadyTag])
            .AddCheck<VisionCheck>("vision", tags: [ReadyTag]);
        return builder;
    }

    public static IEndpointRouteBuilder MapGraderHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        app.MapHealthChecks("/readyz", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(ReadyTag),
            ResponseWriter = WriteReport,
        }).AllowAnonymous();
        return app;
    }

    private static Task WriteReport(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsJsonAsync(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
        });
    }

    /// <summary>
    /// A failing check's exception, logged with its stack once when the failure starts or changes, not on every probe:
    /// with a probe every few seconds the stacks buried the entry that mattered (operator pass, 2026-12-05). The health
    /// check service still logs one line per failing probe.
    /// </summary>
    public sealed partial class HealthFailureLog(ILogger<HealthFailureLog> logger)
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _last = new(StringComparer.Ordinal);

        public void Failed(string check, Exception exception)
        {
            var what = $"{exception.GetType().FullName}: {exception.Message}";
            if (_last.TryGetValue(check, out var previous) && previous == what)
            {
                return;
            }
            _last[check] = what;
            LogFailed(logger, exception, check);
        }

        public void Passed(string check)
        {
            if (_last.TryRemove(check, out _))
            {
                LogRecovered(logger, check);
            }
        }

        [LoggerMessage(Level = LogLevel.Error, Message = "Readiness check {Check} fails (logged again only when the failure changes)")]
        private static partial void LogFailed(ILogger logger, Exception exception, string check);

        [LoggerMessage(Level = LogLevel.Information, Message = "Readiness check {Check} passes again")]
        private static partial void LogRecovered(ILogger logger, string check);
    }

    private sealed class DatabaseCheck(IDbContextFactory<GraderDb> dbFactory, HealthFailureLog failures) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
                if (!await db.Database.CanConnectAsync(cancellationToken))
                {
                    return HealthCheckResult.Unhealthy("The database cannot be reached.");
                }
                // A query on a real table also proves the schema is there.
                await db.ReturnItems.AnyAsync(cancellationToken);
                failures.Passed("database");
                return HealthCheckResult.Healthy("The database answers.");
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                failures.Failed("database", e);
                return HealthCheckResult.Unhealthy("The database cannot be used (see the log).");
            }
        }
    }

    /// <summary>
    /// Manual mode is "Degraded", not "Unhealthy": the app stays ready because grading goes on without suggestions. Why
    /// there is no model (a load error may quote paths) goes to the log, not to anonymous callers.
    /// </summary>
    private sealed class VisionCheck(ModelRegistry models) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(models.Active is { } model
                ? HealthCheckResult.Healthy($"Suggestions from {model.Manifest.ModelVersion}.")
                : HealthCheckResult.Degraded("Manual mode: no usable model, grading goes on without suggestions (the log says why)."));
    }

    private sealed class PhotoStoreCheck(IPhotoStore store, HealthFailureLog failures) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await store.CheckWritableAsync(cancellationToken);
                failures.Passed("photo-store");
                return HealthCheckResult.Healthy("The photo store is writable.");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                failures.Failed("photo-store", e);
                return HealthCheckResult.Unhealthy("The photo store cannot be written (see the log).");
            }
        }
    }
}
