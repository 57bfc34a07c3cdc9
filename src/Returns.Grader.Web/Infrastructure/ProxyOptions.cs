using System.ComponentModel.DataAnnotations;
using System.Net;

namespace Returns.Grader.Web.Infrastructure;

/// <summary>
/// Section "Grader:Proxy": the TLS-terminating proxies (or their networks) whose X-Forwarded-For and X-Forwarded-Proto
/// the app believes. Behind one, the sign-in and antiforgery cookies are Secure, HSTS is sent and the Entra redirect URI
/// is https because the app sees the caller's scheme. Loopback is always trusted (a proxy on the same host); a header
/// from any other address is ignored.
/// </summary>
public sealed class ProxyOptions : IValidatableObject
{
    public const string Section = "Grader:Proxy";

    /// <summary>IP addresses of trusted proxies, e.g. "10.0.0.4".</summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>Trusted networks in CIDR notation, e.g. "10.0.0.0/24".</summary>
    public List<string> KnownNetworks { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        for (var i = 0; i < KnownProxies.Count; i++)
        {
            if (!IPAddress.TryParse(KnownProxies[i], out _))
            {
                yield return new ValidationResult($"{Section}:KnownProxies:{i} '{KnownProxies[i]}' is not an IP address.", [nameof(KnownProxies)]);
            }
        }
        for (var i = 0; i < KnownNetworks.Count; i++)
        {
            if (!IPNetwork.TryParse(KnownNetworks[i], out _))
            {
                yield return new ValidationResult($"{Section}:KnownNetworks:{i} '{KnownNetworks[i]}' is not a network in CIDR notation (e.g. 10.0.0.0/24).", [nameof(KnownNetworks)]);
            }
        }
    }
}
