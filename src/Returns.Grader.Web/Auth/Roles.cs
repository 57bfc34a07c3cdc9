using System.Security.Claims;

namespace Returns.Grader.Web.Auth;

/// <summary>The app roles (Entra ID app roles in production; picked at the local sign-in in Development).</summary>
public static class Roles
{
    public const string Grader = "Grader";
    public const string Supervisor = "Supervisor";
    public const string DataScientist = "DataScientist";
    public const string Admin = "Admin";

    public static readonly string[] All = [Grader, Supervisor, DataScientist, Admin];
}

/// <summary>Where each role lands after signing in, and from "/": the first page of its work (README, "Signing in").</summary>
public static class LandingPages
{
    // A person with several roles lands where their most senior role works, the role Actor.From says they act in.
    private static readonly (string Role, string Page)[] FirstPages =
    [
        (Roles.Admin, "/station"),
        (Roles.Supervisor, "/review"),
        (Roles.Grader, "/station"),
        (Roles.DataScientist, "/exports"),
    ];

    /// <summary>A signed-in person with none of the app's roles (an Entra account without an app role) is told so.</summary>
    public const string NoRole = "/account/denied";

    public static string For(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        foreach (var (role, page) in FirstPages)
        {
            if (user.IsInRole(role))
            {
                return page;
            }
        }
        return NoRole;
    }
}

/// <summary>
/// Named authorization policies: the one place that says which roles do what (AuthRegistration defines them). Pages
/// (<c>[Authorize(Policy = ...)]</c>), navigation (<c>AuthorizeView Policy</c>) and endpoints (<c>RequireAuthorization</c>)
/// all state a policy, never a list of roles.
/// </summary>
public static class Policies
{
    /// <summary>May grade items and add photos: Grader, Supervisor, Admin.</summary>
    public const string Grading = nameof(Grading);

    /// <summary>May work the review queue: Supervisor, Admin.</summary>
    public const string Reviewing = nameof(Reviewing);

    /// <summary>May see the quality figures: Supervisor, DataScientist, Admin.</summary>
    public const string Quality = nameof(Quality);

    /// <summary>May export labels and manage models (registry, shadow, promotion): DataScientist, Admin.</summary>
    public const string DataTeam = nameof(DataTeam);

    /// <summary>May read items and photos: every role.</summary>
    public const string Staff = nameof(Staff);

    /// <summary>The roles each policy admits: AuthRegistration builds the policies from this, and code that must decide
    /// without the authorization service (a blind item's suggestion, BlindGrading) asks it too.</summary>
    public static IReadOnlyDictionary<string, string[]> RolesOf { get; } = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        [Grading] = [Roles.Grader, Roles.Supervisor, Roles.Admin],
        [Reviewing] = [Roles.Supervisor, Roles.Admin],
        [Quality] = [Roles.Supervisor, Roles.DataScientist, Roles.Admin],
        [DataTeam] = [Roles.DataScientist, Roles.Admin],
        [Staff] = Roles.All,
    };

    /// <summary>Whether <paramref name="user"/> holds a role the policy admits.</summary>
    public static bool Admits(string policy, ClaimsPrincipal user) => RolesOf[policy].Any(user.IsInRole);
}

/// <summary>Who did something, as stamped on decisions and audit events.</summary>
public sealed record Actor(string Id, string Name, string Role)
{
    /// <summary>The longest name the database keeps beside a decision, a photo, an audit event or a claim.</summary>
    public const int MaxNameLength = 200;

    public static Actor From(ClaimsPrincipal user)
    {
        var id = IdOf(user) ?? throw new InvalidOperationException("A signed-in user has no identifier claim.");
        var name = user.FindFirstValue("name") ?? user.Identity?.Name ?? id;
        if (name.Length > MaxNameLength)
        {
            // An Entra display name may have 256 characters; the name columns hold 200, and PostgreSQL and SQL Server
            // refuse a longer value, so such a person's every grade was a 500 (review of the items API, 2026-12-06).
            name = name[..MaxNameLength];
        }
        // The most senior role the person holds is the one their decision is made in.
        var role = new[] { Roles.Admin, Roles.Supervisor, Roles.Grader, Roles.DataScientist }.FirstOrDefault(user.IsInRole) ?? "None";
        return new Actor(id, name, role);
    }

    /// <summary>
    /// The id decisions, claims and rate limits know a person by: an "oid" claim as issued, else the name identifier (the
    /// development sign-in, API keys; under Entra, with ASP.NET's default claim mapping, the "sub"). Kept so on purpose:
    /// reading the mapped object id instead would give every existing Entra user a new id at the upgrade (their history
    /// split, and the own-grade rule blind to grades given before it: diff review, 2026-12-06). Whether a cookie sign-in
    /// and a bearer token carry the same "sub" needs a real tenant to check (docs/operations.md).
    /// </summary>
    public static string? IdOf(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.FindFirstValue("oid") ?? user.FindFirstValue(ClaimTypes.NameIdentifier);
    }
}
