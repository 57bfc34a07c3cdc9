using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace Returns.Grader.UnitTests.Station;

/// <summary>
/// What the station says after each save stays current at grading speed: the notices of earlier saves do not queue up
/// ahead of a refusal (soak pass, 2026-12-07: at item 1 500 the screen showed the save of item 254, and a refused photo's
/// warning waited minutes behind the queue).
/// </summary>
public sealed class StationNoticeTests : StationPageTestBase
{
    [Fact]
    public async Task EachSave_ReplacesTheLastSavesNotice_SoARefusalIsNotQueuedBehindThem()
    {
        var station = RenderStation();
        var plates = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var (plate, _) = await CreateItemAsync();
            plates.Add(plate);
            await OpenAsync(station, plate);
            station.Find("[data-grade=LikeNew]").Click();
            station.Find("button[data-testid=submit]").Click();
            station.WaitForAssertion(() => Assert.Empty(station.FindAll("[data-testid=item-return-id]")));
        }

        var notices = Services.GetRequiredService<ISnackbar>().ShownSnackbars.Select(s => s.Message).ToList();
        Assert.Equal([$"{plates[2]} saved as Like new."], notices);
    }
}
