using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Returns.Grader.Web.Infrastructure.Telemetry;

/// <summary>
/// OpenTelemetry (ADR 0020): traces and metrics of ASP.NET Core, outgoing HTTP, EF Core and the runtime, plus the app's
/// own meter and spans (<see cref="GraderMetrics"/>, <see cref="GraderActivities"/>). Exported over OTLP when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (the SDK reads the other <c>OTEL_*</c> variables itself), and/or served to
/// Prometheus at <c>/metrics</c> when <c>Grader:Telemetry:PrometheusEndpoint</c> is true. With neither, nothing leaves
/// the process: a fresh machine's <c>dotnet run</c> and the tests never try to reach a collector.
/// </summary>
public static partial class TelemetryRegistration
{
    public const string PrometheusPath = "/metrics";

    public static WebApplicationBuilder AddGraderTelemetry(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<TelemetryOptions>().BindConfigurationStrictly(TelemetryOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<ReviewQueueReading>();
        builder.Services.AddSingleton<GraderMetrics>();

        // Read here, not from IOptions: the exporter must be registered before the container is built.
        var prometheus = builder.Configuration.GetValue<bool>($"{TelemetryOptions.Section}:{nameof(TelemetryOptions.PrometheusEndpoint)}");
        var telemetry = builder.Services.AddOpenTelemetry()
            // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES, when set, win over these defaults (the detector runs last).
            .ConfigureResource(resource => resource
                .AddService("returns-grader", serviceVersion: typeof(TelemetryRegistration).Assembly.GetName().Version?.ToString())
                .AddEnvironmentVariableDetector())
            .WithTracing(tracing => tracing
                .AddSource(GraderActivities.SourceName)
                .AddAspNetCoreInstrumentation(o => o.Filter = IsWorthTracing)
                .AddHttpClientInstrumentation()
                .AddEntityFrameworkCoreInstrumentation())
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(GraderMetrics.MeterName)
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation()
                    // Made when the meter provider starts, so the gauges (model, review queue) report before the first upload.
                    .AddInstrumentation(sp => sp.GetRequiredService<GraderMetrics>()
                        .ObserveState(sp.GetRequiredService<Features.Models.ModelRegistry>(), sp.GetRequiredService<ReviewQueueReading>()));
                if (prometheus)
                {
                    metrics.AddPrometheusExporter();
                }
            });
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            CheckOtlpSettings(builder.Configuration);
            telemetry.UseOtlpExporter(); // traces, metrics and logs
        }
        return builder;
    }

    /// <summary>
    /// The OTLP endpoint and protocol, refused at start when the exporter could not use them: "collector:4317" (no
    /// scheme) or an unknown protocol started without a word and exported nothing (operator pass, 2026-12-05).
    /// </summary>
    internal static void CheckOtlpSettings(IConfiguration configuration)
    {
        var endpoint = configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        var problems = new List<string>();
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            problems.Add($"OTEL_EXPORTER_OTLP_ENDPOINT '{endpoint}' is not an http or https address (e.g. http://collector:4317)");
        }
        if (configuration["OTEL_EXPORTER_OTLP_PROTOCOL"] is { Length: > 0 } protocol && protocol is not ("grpc" or "http/protobuf"))
        {
            problems.Add($"OTEL_EXPORTER_OTLP_PROTOCOL '{protocol}' is not grpc or http/protobuf");
        }
        if (problems.Count > 0)
        {
            throw new OptionsValidationException("OTEL_EXPORTER_OTLP", typeof(TelemetryOptions), problems);
        }
    }

    /// <summary>Maps the Prometheus scrape endpoint when <c>Grader:Telemetry:PrometheusEndpoint</c> is true; otherwise nothing.</summary>
    public static IEndpointRouteBuilder MapGraderTelemetry(this IEndpointRouteBuilder app)
    {
        var options = app.ServiceProvider.GetRequiredService<IOptions<TelemetryOptions>>().Value;
        if (!options.PrometheusEndpoint)
        {
            return app;
        }
        app.MapPrometheusScrapingEndpoint(PrometheusPath, meterProvider: null, configureBranchedPipeline: options.PrometheusPort is { } port
                ? branch => branch.Use((context, next) => context.Connection.LocalPort == port ? next(context) : NotFound(context))
                : null, optionsName: null)
            // Anonymous on purpose: a Prometheus server has no Entra identity or API key. What it reads is counts,
            // durations and the model version, no personal data; keep it off the public port with PrometheusPort
            // (the local port, not the Host header, which a caller chooses).
            .AllowAnonymous()
            .DisableHttpMetrics();
        if (options.PrometheusPort is { } scrapePort)
        {
            WarnIfNotListening(app.ServiceProvider, scrapePort);
        }
        return app;
    }

    /// <summary>
    /// Once the server listens: a PrometheusPort it does not listen on is said in the log. /metrics then answered 404 on
    /// every port and nothing said why (operator pass, 2026-12-05: the port was set, ASPNETCORE_URLS did not name it).
    /// </summary>
    private static void WarnIfNotListening(IServiceProvider services, int port)
    {
        var lifetime = services.GetRequiredService<IHostApplicationLifetime>();
        lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features
                .Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()?.Addresses ?? [];
            var ports = addresses.Select(a => Uri.TryCreate(a.Replace("://*", "://localhost", StringComparison.Ordinal).Replace("://+", "://localhost", StringComparison.Ordinal),
                UriKind.Absolute, out var uri) ? uri.Port : -1).ToList();
            if (ports.Count > 0 && !ports.Contains(port))
            {
                LogScrapePortNotListened(services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(TelemetryRegistration).FullName!),
                    port, string.Join(", ", addresses));
            }
        });
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Grader:Telemetry:PrometheusPort is {Port}, but the server listens on {Addresses} only: /metrics answers nowhere. Add the port to ASPNETCORE_URLS (e.g. http://+:{Port}).")]
    private static partial void LogScrapePortNotListened(ILogger logger, int port, string addresses);

    private static Task NotFound(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    }

    /// <summary>Probes and scrapes come every few seconds: as spans they would bury the requests worth reading.</summary>
    private static bool IsWorthTracing(HttpContext context) =>
        !(context.Request.Path.StartsWithSegments("/healthz") || context.Request.Path.StartsWithSegments("/readyz")
          || context.Request.Path.StartsWithSegments(PrometheusPath));
}
