using Microsoft.Playwright;
using Returns.Grader.TestSupport;
using Xunit.Abstractions;

namespace Returns.Grader.E2ETests;

/// <summary>
/// The app's Content-Security-Policy (script-src 'self' + nonce, no eval) is strict enough to matter only if the Blazor
/// circuit and MudBlazor still work under it: the browser reports every blocked script, style, image or connection.
/// </summary>
public sealed class ContentSecurityPolicyTests(BrowserAppFixture fixture, ITestOutputHelper output) : BrowserTests<BrowserAppFixture>(fixture, output), IClassFixture<BrowserAppFixture>
{
    [Fact]
    public async Task SignInAndStation_RunWithoutASingleCspViolation()
    {
        var context = await Fixture.NewContextAsync(new BrowserNewContextOptions { BaseURL = Fixture.BaseAddress.ToString() });
        // Every document records its violations; the console keeps the ones of pages already left.
        await context.AddInitScriptAsync("""
            window.__cspViolations = [];
            document.addEventListener('securitypolicyviolation', e =>
                window.__cspViolations.push(`${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`));
            """);
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(15_000);
        var console = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase))
            {
                console.Add(message.Text);
            }
        };

        await BrowserAppFixture.SignInAsync(page, "/station", "Csp Check");
        // Interactive: the circuit's WebSocket is up and MudBlazor's components answer.
        await Assertions.Expect(page.Locator("#scan")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync(ApiJson.UniquePlate("CSP"));
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.GetByTestId("create-item")).ToBeVisibleAsync();

        var violations = await page.EvaluateAsync<string[]>("window.__cspViolations");
        Assert.Empty(violations);
        Assert.Empty(console);
        await context.CloseAsync();
    }
}
