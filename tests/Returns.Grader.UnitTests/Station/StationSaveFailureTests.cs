using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Returns.Grader.TestSupport;
using Returns.Grader.Web.Auth;
using Returns.Grader.Web.Data;

namespace Returns.Grader.UnitTests.Station;

/// <summary>
/// The station page through the real services on a real SQLite file (the app's own container is bUnit's fallback):
/// when the database refuses a save, the associate is told so and keeps the form; the page goes on working.
/// </summary>
public sealed class StationSaveFailureTests : StationPageTestBase
{
    [Fact]
    public async Task RefusedSave_ShowsTheMessage_KeepsTheForm_AndSavesOnTheNextTry()
    {
        var (plate, item) = await CreateItemAsync();
        var refusal = await RefusedWrites.OnAsync(App.DatabasePath, "GradeDecisions");

        var station = RenderStation();
        await OpenAsync(station, plate);

        station.Find("[data-grade=LikeNew]").Click();
        await station.Find("input[data-testid=notes]").InputAsync("Box opened, item unused");
        station.Find("button[data-testid=submit]").Click();

        // Today's code rethrew here, which on a live circuit ends it (bUnit surfaces it as the test's exception).
        station.WaitForAssertion(() => Assert.Contains("nothing was saved", station.Find("[data-testid=station-message]").TextContent));
        Assert.Equal(plate, station.Find("[data-testid=item-return-id]").TextContent);
        Assert.Equal("true", station.Find("[data-grade=LikeNew]").GetAttribute("aria-checked"));
        Assert.Equal("Box opened, item unused", station.Find("input[data-testid=notes]").GetAttribute("value"));
        Assert.Equal(0, await DecisionCountAsync(item.Id));

        // The database takes writes again: the same form, Save once more, and it is kept.
        await refusal.DisposeAsync();
        station.Find("button[data-testid=submit]").Click();
        station.WaitForAssertion(() => Assert.Empty(station.FindAll("[data-testid=item]")));
        Assert.Equal(1, await DecisionCountAsync(item.Id));
        Assert.Empty(station.FindAll("[data-testid=station-message]"));
    }

    [Fact]
    public async Task RefusalInWords_IsShownAsItIs_NotAsSomethingWentWrong()
    {
        // A note pasted with a NUL character in it: the database layer refuses it in words (PostgreSQL cannot store it),
        // and the associate should read those words, not "Something went wrong" with an error in the log.
        var (plate, item) = await CreateItemAsync();
        var station = RenderStation();
        await OpenAsync(station, plate);

        station.Find("[data-grade=LikeNew]").Click();
        await station.Find("input[data-testid=notes]").InputAsync("Box opened\0 item unused");
        station.Find("button[data-testid=submit]").Click();

        station.WaitForAssertion(() => Assert.Contains(Returns.Grader.Web.Infrastructure.NoNulCharacters.Reason,
            station.Find("[data-testid=station-message]").TextContent, StringComparison.Ordinal));
        Assert.DoesNotContain("Something went wrong", station.Find("[data-testid=station-message]").TextContent, StringComparison.Ordinal);
        Assert.Equal(plate, station.Find("[data-testid=item-return-id]").TextContent);
        Assert.Equal(0, await DecisionCountAsync(item.Id));
    }
}
