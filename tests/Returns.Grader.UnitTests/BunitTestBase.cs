using System.Security.Claims;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace Returns.Grader.UnitTests;

/// <summary>bUnit with MudBlazor's services, loose JS interop (MudBlazor calls JS we do not assert on) and a signed-in grader.</summary>
public abstract class BunitTestBase : BunitContext, IAsyncLifetime
{
    public Task InitializeAsync() => Task.CompletedTask;

    // MudBlazor's services are only IAsyncDisposable: dispose the context asynchronously (xunit calls this first).
    async Task IAsyncLifetime.DisposeAsync()
    {
        await base.DisposeAsync();
        await DisposeTestAsync();
    }

    /// <summary>What a test class owns beyond the context (e.g. an app whose services it falls back to).</summary>
    protected virtual ValueTask DisposeTestAsync() => ValueTask.CompletedTask;

    /// <summary>The signed-in user's sign-in, for a test that changes it (e.g. gives it a session that is then signed out).</summary>
    protected Bunit.TestDoubles.BunitAuthorizationContext Authorization { get; }

    /// <summary>A signed-in user: a grader unless a test class needs another role.</summary>
    /// <param name="services">Services a test class adds or replaces (e.g. a logger it reads), before any is resolved.</param>
    protected BunitTestBase(string name = "Test Grader", string role = "Grader", string id = "test:grader", Action<IServiceCollection>? services = null)
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
        services?.Invoke(Services);
        Authorization = AddAuthorization();
        Authorization.SetAuthorized(name);
        Authorization.SetRoles(role);
        Authorization.SetClaims(new Claim(ClaimTypes.NameIdentifier, id));
        // Last, because it builds the service provider: components render as on a live Blazor Server circuit.
        Renderer.SetRendererInfo(new Microsoft.AspNetCore.Components.RendererInfo("Server", isInteractive: true));
    }
}
