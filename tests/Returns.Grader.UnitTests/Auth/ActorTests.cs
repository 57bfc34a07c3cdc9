using System.Security.Claims;
using Returns.Grader.Web.Auth;

namespace Returns.Grader.UnitTests.Auth;

/// <summary>
/// Who an Entra user is, whichever name their object id arrives under: "oid" as issued, or the long objectidentifier
/// type ASP.NET maps it to by default. Read as "oid" only, the mapped claim was missed and the per-application "sub"
/// became the person's id (review of the review desk, 2026-12-06).
/// </summary>
public sealed class ActorTests
{
    private const string ObjectId = "6f1c2f5e-0b7a-4c1e-9a57-2d1b3c4d5e6f";

    [Theory]
    [InlineData("oid")]
    [InlineData("http://schemas.microsoft.com/identity/claims/objectidentifier")]
    public void AnEntraUser_IsTheirObjectId_UnderEitherClaimName(string claimType)
    {
        var user = new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(claimType, ObjectId), new Claim(ClaimTypes.NameIdentifier, "pairwise-sub-for-this-app"), new Claim("name", "Ana Grader"), new Claim(ClaimTypes.Role, Roles.Grader)],
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
