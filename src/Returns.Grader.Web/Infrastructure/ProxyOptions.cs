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

    /// <summary>
    /// "Grader__Proxy__KnownProxies=10.0.0.4" (one value, no index) or "10.0.0.4,10.0.0.5": the configuration binder fills a
    /// list only from indexed keys ("…__0"), so a single value was ignored without a word and the proxy not trusted
    /// (operator pass, 2026-12-05: the sign-in cookie lost Secure). A value at the list's own key is read as a list.
    /// </summary>
    internal static void AddListsWrittenAsOneValue(ProxyOptions proxy, IConfiguration configuration)
    {
        static IEnumerable<string> Split(string? value) =>
            (value ?? "").Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        proxy.KnownProxies.AddRange(Split(configuration[$"{Section}:{nameof(KnownProxies)}"]));
        proxy.KnownNetworks.AddRange(Split(configuration[$"{Section}:{nameof(KnownNetworks)}"]));
    }

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
