using System.Security.Claims;
using Returns.Grader.Web.Auth;

namespace Returns.Grader.UnitTests.Auth;

/// <summary>Who a signed-in person is, as decisions, claims and rate limits know them, and the name kept beside it.</summary>
public sealed class ActorTests
{
    private const string ObjectId = "6f1c2f5e-0b7a-4c1e-9a57-2d1b3c4d5e6f";

    [Fact]
    public void AnOidClaim_IsTheId_BeforeTheNameIdentifier()
    {
        var user = new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim("oid", ObjectId), new Claim(ClaimTypes.NameIdentifier, "pairwise-sub-for-this-app"), new Claim("name", "Ana Grader"), new Claim(ClaimTypes.Role, Roles.Grader)],
            "test", "name", ClaimTypes.Role));

        var actor = Actor.From(user);

        Assert.Equal((ObjectId, "Ana Grader", Roles.Grader), (actor.Id, actor.Name, actor.Role));
    }

    [Fact]
    public void WithoutAnObjectId_TheNameIdentifierIsTheId()
    {
        var user = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, "apikey:dev-grader")], "test"));

        Assert.Equal("apikey:dev-grader", Actor.From(user).Id);
    }

    /// <summary>An Entra display name may have 256 characters; the name columns hold 200 (PostgreSQL refused the grade).</summary>
    [Fact]
    public void ALongDisplayName_IsCutToWhatTheDatabaseKeeps()
    {
        var user = new ClaimsPrincipal(new ClaimsIdentity([new Claim("oid", ObjectId), new Claim("name", new string('x', 256))], "test"));

        Assert.Equal(Actor.MaxNameLength, Actor.From(user).Name.Length);
    }
}
