using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Returns.Grader.TestSupport;
using Returns.Grader.Web.Auth;

namespace Returns.Grader.IntegrationTests;

/// <summary>
/// The README's API table is the contract people read: every endpoint the app maps under /api (the health probes and the Prometheus endpoint too)
/// is listed there with exactly the roles its authorization allows, and nothing is listed that does not exist. Together
/// with HostileInputTests.EveryApiEndpoint_HasAHostileCase a new endpoint cannot be forgotten in either place.
/// </summary>
public sealed partial class ApiDocumentationTests(ApiDocumentationTests.EverythingMappedApp app) : IClassFixture<ApiDocumentationTests.EverythingMappedApp>
{
    /// <summary>The app with its optional endpoints switched on, so that they are checked too.</summary>
    public sealed class EverythingMappedApp : GraderAppFactory
    {
        public EverythingMappedApp() => Settings["Grader:Telemetry:PrometheusEndpoint"] = "true";
    }

    [Fact]
    public async Task ReadmeApiTable_ListsEveryEndpoint_WithTheRolesItsPolicyAllows()
    {
        var documented = ReadmeRows();
        var mapped = await MappedEndpointsAsync();

        Assert.NotEmpty(mapped);
        Assert.Empty(mapped.Keys.Except(documented.Keys)); // mapped but not in the README's table
        Assert.Empty(documented.Keys.Except(mapped.Keys)); // in the table but not mapped
        foreach (var (endpoint, roles) in mapped)
        {
            Assert.True(roles.SetEquals(documented[endpoint]),
                $"{endpoint}: the README says {string.Join(", ", documented[endpoint].Order())}, the app allows {string.Join(", ", roles.Order())}");
        }
    }

    /// <summary>"METHOD /path" → roles, from the README's "HTTP API v1" table ("all roles", "anonymous" spelled out).</summary>
    private static Dictionary<string, HashSet<string>> ReadmeRows()
    {
        var readme = File.ReadAllLines(Path.Combine(RepositoryPaths.Root, "README.md"));
        var header = Array.FindIndex(readme, l => l.StartsWith("| endpoint | roles |", StringComparison.Ordinal));
        Assert.True(header > 0, "README.md has no API table");
        var rows = new Dictionary<string, HashSet<string>>();
        foreach (var line in readme.Skip(header + 2).TakeWhile(l => l.StartsWith('|')))
        {
            var cells = line.Split(" | ");
            var roles = cells[1].Trim() switch
            {
                "all roles" => Roles.All.ToHashSet(),
                var anonymous when anonymous.StartsWith("anonymous", StringComparison.Ordinal) => ["anonymous"],
                var list => list.Split(',', StringSplitOptions.TrimEntries).ToHashSet(),
            };
            foreach (Match endpoint in DocumentedEndpoint().Matches(cells[0]))
            {
                rows[$"{endpoint.Groups[1].Value} {endpoint.Groups[2].Value}"] = roles;
            }
        }
        return rows;
    }

    private async Task<Dictionary<string, HashSet<string>>> MappedEndpointsAsync()
    {
        var policies = app.Services.GetRequiredService<IAuthorizationPolicyProvider>();
        var mapped = new Dictionary<string, HashSet<string>>();
        foreach (var endpoint in app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            var path = "/" + endpoint.RoutePattern.RawText!.Trim('/');
            if (!path.StartsWith("/api/", StringComparison.Ordinal) && path is not ("/healthz" or "/readyz" or "/metrics"))
            {
                continue;
            }
            var roles = new HashSet<string>();
            if (endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null)
            {
                roles.Add("anonymous");
            }
            else
            {
                var policy = await AuthorizationPolicy.CombineAsync(policies, endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>(),
                    endpoint.Metadata.GetOrderedMetadata<AuthorizationPolicy>());
                var allowed = policy?.Requirements.OfType<RolesAuthorizationRequirement>().Select(r => r.AllowedRoles.ToHashSet()).ToList() ?? [];
                Assert.True(allowed.Count > 0, $"{path} states no roles");
                // Several role requirements must all hold: the roles that pass every one.
                roles = allowed.Aggregate((a, b) => [.. a.Intersect(b)]);
            }
            // Health checks answer any method; the README documents the GET a probe sends.
            var methods = endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"];
            if (path.StartsWith("/api/", StringComparison.Ordinal))
            {
                // The README says once that every GET answers HEAD too, rather than a second row for each.
                Assert.True(methods.Contains("GET") == methods.Contains("HEAD"), $"{path}: {string.Join(", ", methods)}");
            }
            foreach (var method in methods.Where(m => m != "HEAD"))
            {
                mapped[$"{method} {path}"] = roles;
            }
        }
        return mapped;
    }

    [GeneratedRegex(@"`(GET|POST|PUT|PATCH|DELETE) (/[^`?\s]*)[^`]*`")]
    private static partial Regex DocumentedEndpoint();
}
