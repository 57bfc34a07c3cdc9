using System.Reflection;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components;
using Returns.Grader.Web.Auth;

namespace Returns.Grader.UnitTests.Auth;

/// <summary>Which roles do what is said once, in the policies (issue 16): every page states a policy or that it is open.</summary>
public sealed class PageAuthorizationTests
{
    public static TheoryData<string> Pages => [.. typeof(Policies).Assembly.GetTypes()
        .Where(t => t.GetCustomAttributes<RouteAttribute>().Any()).Select(t => t.FullName!)];

    [Theory]
    [MemberData(nameof(Pages))]
    public void Page_StatesAKnownPolicy_NeverAListOfRoles(string page)
    {
        var type = typeof(Policies).Assembly.GetType(page)!;
        var authorize = type.GetCustomAttributes<AuthorizeAttribute>().ToList();
        var anonymous = type.GetCustomAttributes<AllowAnonymousAttribute>().Any();

        Assert.True(anonymous || authorize.Count > 0, $"{page} states neither a policy nor that it is open");
        Assert.All(authorize, a => Assert.Null(a.Roles));
        var known = typeof(Policies).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (string)f.GetValue(null)!).ToHashSet();
        Assert.All(authorize, a => Assert.True(a.Policy is not null && known.Contains(a.Policy), $"{page}: policy {a.Policy} is not one of Policies"));
    }
}
