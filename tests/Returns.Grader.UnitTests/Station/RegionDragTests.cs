using Bunit;

namespace Returns.Grader.UnitTests.Station;

/// <summary>
/// Boxes moved on the photo editor (station.js reports the drag; the station keeps the box and answers with it, which
/// station.js draws). A box dragged off the photo vanished from the editor while the old one stayed saved, and a box
/// moved partly over an edge shrank (exploratory pass, 2026-12-05).
/// </summary>
public sealed class RegionDragTests : StationPageTestBase
{
    [Fact]
    public async Task AMovedBox_StaysWholeInsideThePhoto_AndARefusedResize_AnswersTheBoxAsKept()
    {
        var (_, plate, photoId) = await ItemWithPhotoAsync(); // 640 × 480
        var station = await OpenAtTheStationAsync(plate);
        await station.InvokeAsync(() => station.Instance.OnRegionDrawn(photoId.ToString(), 100, 80, 120, 90));

        // Dragged up and left past the corner: kept at the corner, its size unchanged, and drawn there.
        var offTheCorner = await station.InvokeAsync(() => station.Instance.OnRegionMoved(0, -500, -400, 120, 90));
        Assert.Equal(new[] { 0, 0, 120, 90 }, offTheCorner!);
        station.WaitForAssertion(() => Assert.Equal("0", station.Find("svg.region-overlay rect[data-region-type]").GetAttribute("x")));

        // Partly over the right edge: moved back inside, not shrunk to what was left inside.
        var overTheEdge = await station.InvokeAsync(() => station.Instance.OnRegionMoved(0, 600, 20, 120, 90));
        Assert.Equal(new[] { 520, 20, 120, 90 }, overTheEdge!);

        // A resize to a sliver is refused: the answer is the box as it stays, which station.js draws back.
        var sliver = await station.InvokeAsync(() => station.Instance.OnRegionMoved(0, 520, 20, 2, 90));
        Assert.Equal(new[] { 520, 20, 120, 90 }, sliver!);
    }
}
