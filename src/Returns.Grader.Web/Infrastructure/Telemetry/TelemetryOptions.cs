using System.ComponentModel.DataAnnotations;

namespace Returns.Grader.Web.Infrastructure.Telemetry;

/// <summary>
/// Section "Grader:Telemetry". The OTLP exporter is not configured here: it follows the standard <c>OTEL_*</c>
/// variables and is on only when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (docs/operations.md, Telemetry).
/// </summary>
public sealed class TelemetryOptions : IValidatableObject
{
    public const string Section = "Grader:Telemetry";

    /// <summary>Serve a Prometheus scrape endpoint at <c>/metrics</c> (anonymous: see <see cref="PrometheusPort"/>).</summary>
    public bool PrometheusEndpoint { get; set; }

    /// <summary>
    /// When set, <c>/metrics</c> answers only on connections to this local port (an extra Kestrel endpoint the
    /// reverse proxy does not forward, e.g. 9464) and is a 404 on every other port.
    /// </summary>
    [Range(1, 65_535)]
    public int? PrometheusPort { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (PrometheusPort is not null && !PrometheusEndpoint)
        {
            yield return new ValidationResult(
                $"{Section}:PrometheusPort is set but {Section}:PrometheusEndpoint is false: set it to true, or remove the port.",
                [nameof(PrometheusPort)]);
        }
    }
}
