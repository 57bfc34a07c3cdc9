using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Returns.Grader.Web.Components;

namespace Returns.Grader.UnitTests.Components;

/// <summary>
/// A live page whose sign-in ended elsewhere goes to the sign-in form, but only once its browser is there: the tab that
/// signed out leaves its circuit behind, and the navigation sent to it failed minutes later, logged as an unhandled
/// exception of the circuit at every sign-out (two-node pass, 2026-12-07).
/// </summary>
public sealed class RedirectToLoginTests : BunitTestBase
{
    private readonly CircuitConnection _connection;

    public RedirectToLoginTests() : this(new CircuitConnection())
    {
    }

    private RedirectToLoginTests(CircuitConnection connection) : base(services: services => services.AddSingleton(connection)) =>
        _connection = connection;

    private string? NavigatedTo => Services.GetRequiredService<NavigationManager>() is var navigation
        && navigation.Uri != navigation.BaseUri ? navigation.ToBaseRelativePath(navigation.Uri) : null;

    [Fact]
    public void WithTheBrowserConnected_ItGoesToTheSignInForm_AtOnce()
    {
        Render<RedirectToLogin>();

        Assert.StartsWith("account/login?returnUrl=", NavigatedTo, StringComparison.Ordinal);
        Assert.EndsWith("&signedOut=true", NavigatedTo, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithTheBrowserGone_NothingIsSent_UntilItIsBack()
    {
        await _connection.OnConnectionDownAsync(null!, CancellationToken.None);

        Render<RedirectToLogin>();
        Assert.Null(NavigatedTo);

        await _connection.OnConnectionUpAsync(null!, CancellationToken.None);
        Assert.StartsWith("account/login?returnUrl=", NavigatedTo, StringComparison.Ordinal);
    }
}
