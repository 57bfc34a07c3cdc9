using Bunit;
using Returns.Grader.TestSupport;

namespace Returns.Grader.UnitTests.Station;

/// <summary>
/// The station on an app whose SQLite busy timeout is one second (the app's is 30): while another writer holds the
/// database, Save says the database was busy, keeps the form, and the same Save once it is free is kept (ADR 0033).
/// </summary>
public sealed class StationBusyDatabaseTests()
    : StationPageTestBase(new GraderAppFactory { SqliteBusyTimeoutSeconds = 1, Settings = { ["Grader:Vision:ModelDirectory"] = "" } })
{

    [Fact]
    public async Task SaveWhileTheDatabaseIsBusy_SaysSo_KeepsTheForm_AndTheNextSaveIsKept()
    {
        var (plate, item) = await CreateItemAsync();
        var station = RenderStation();
        await OpenAsync(station, plate);
        station.Find("[data-grade=LikeNew]").Click();

        await using (await HeldWriteLock.TakeAsync(App.DatabasePath))
        {
            station.Find("button[data-testid=submit]").Click();
            station.WaitForAssertion(() => Assert.Contains("The database was busy and nothing was saved",
                station.Find("[data-testid=station-message]").TextContent, StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        }
        Assert.Equal("true", station.Find("[data-grade=LikeNew]").GetAttribute("aria-checked"));
        Assert.Equal(0, await DecisionCountAsync(item.Id));

        station.Find("button[data-testid=submit]").Click();
        station.WaitForAssertion(() => Assert.Empty(station.FindAll("[data-testid=item]")));
        Assert.Equal(1, await DecisionCountAsync(item.Id));
    }
}
