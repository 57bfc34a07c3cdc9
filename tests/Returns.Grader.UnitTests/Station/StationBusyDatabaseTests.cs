using Bunit;
using Microsoft.Data.Sqlite;
using Returns.Grader.TestSupport;

namespace Returns.Grader.UnitTests.Station;

/// <summary>
/// The station on an app whose SQLite busy timeout is one second (the app's is 30): while another writer holds the
/// database, Save says the database was busy, keeps the form, and the same Save once it is free is kept (ADR 0033).
/// </summary>
public sealed class StationBusyDatabaseTests() : StationPageTestBase(OneSecondBusyTimeout())
{
    private static GraderAppFactory OneSecondBusyTimeout()
    {
        var app = new GraderAppFactory { Settings = { ["Grader:Vision:ModelDirectory"] = "" } };
        app.Settings["ConnectionStrings:Grader"] = $"Data Source={app.DatabasePath};Default Timeout=1";
        return app;
    }

    [Fact]
    public async Task SaveWhileTheDatabaseIsBusy_SaysSo_KeepsTheForm_AndTheNextSaveIsKept()
    {
        var (plate, item) = await CreateItemAsync();
        var station = RenderStation();
        await OpenAsync(station, plate);
        station.Find("[data-grade=LikeNew]").Click();

        await using (var otherWriter = new SqliteConnection($"Data Source={App.DatabasePath}"))
        {
            await otherWriter.OpenAsync();
            await using var hold = await otherWriter.BeginTransactionAsync(); // the write lock, until rolled back below
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
