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
        var box = KeyOnTheEditor(station, "100");

        // Dragged up and left past the corner: kept at the corner, its size unchanged, and drawn there.
        var offTheCorner = await station.InvokeAsync(() => station.Instance.OnRegionMoved(box, -500, -400, 120, 90));
        Assert.Equal(new[] { 0, 0, 120, 90 }, offTheCorner!);
        station.WaitForAssertion(() => Assert.Equal("0", station.Find("svg.region-overlay rect[data-region-type]").GetAttribute("x")));

        // Partly over the right edge: moved back inside, not shrunk to what was left inside.
        var overTheEdge = await station.InvokeAsync(() => station.Instance.OnRegionMoved(box, 600, 20, 120, 90));
        Assert.Equal(new[] { 520, 20, 120, 90 }, overTheEdge!);

        // A resize to a sliver is refused: the answer is the box as it stays, which station.js draws back.
        var sliver = await station.InvokeAsync(() => station.Instance.OnRegionMoved(box, 520, 20, 2, 90));
        Assert.Equal(new[] { 520, 20, 120, 90 }, sliver!);
    }

    /// <summary>
    /// A drag names the box it moved, not its place in the list: the list changes under a drag when a photo's new
    /// suggestion withdraws or adds the model's boxes, and the drag then moved the box that had taken that place (review
    /// of the station). Here a box before the dragged one is removed meanwhile; a drag of a box that has gone moves nothing.
    /// </summary>
    [Fact]
    public async Task ADrag_MovesTheBoxItBeganOn_WhenTheListChangedMeanwhile()
    {
        var (_, plate, photoId) = await ItemWithPhotoAsync(); // 640 × 480
        var station = await OpenAtTheStationAsync(plate);
        await station.InvokeAsync(() => station.Instance.OnRegionDrawn(photoId.ToString(), 10, 10, 50, 50));
        await station.InvokeAsync(() => station.Instance.OnRegionDrawn(photoId.ToString(), 300, 200, 60, 40));
        var first = KeyOnTheEditor(station, "10");
        var second = KeyOnTheEditor(station, "300");

        station.FindAll("[data-testid=region-remove]")[0].Click(); // the first box goes while the second is being dragged

        var moved = await station.InvokeAsync(() => station.Instance.OnRegionMoved(second, 320, 220, 60, 40));
        Assert.Equal(new[] { 320, 220, 60, 40 }, moved!);
        var gone = await station.InvokeAsync(() => station.Instance.OnRegionMoved(first, 400, 300, 50, 50));
        Assert.Null(gone);
        station.WaitForAssertion(() => Assert.Equal(["320 220 60 40"],
            station.FindAll("[data-region-editor] .region-box").Select(b => string.Join(' ', new[] { "x", "y", "width", "height" }.Select(a => b.GetAttribute(a))))));
    }

    /// <summary>
    /// Boxes by keyboard (keyboard audit, 2026-12-05: they could only be drawn with a pointer): B draws a box centred on
    /// the part of the photo on screen and chooses it; the arrows move it a hundredth of the long side per press, kept
    /// inside the photo; Shift+arrows resize it, never below the smallest box; each press undoes on its own.
    /// </summary>
    [Fact]
    public async Task DrawKey_AndArrowKeys_DrawMoveAndResizeABox_EachPressUndoable()
    {
        var (_, plate, photoId) = await ItemWithPhotoAsync(); // 640 × 480: a step is 6 px
        var station = await OpenAtTheStationAsync(plate);

        // Nothing chosen yet: an arrow changes nothing.
        await station.InvokeAsync(() => station.Instance.OnRegionNudge(1, 0, resize: false));
        Assert.Empty(station.FindAll("[data-testid=regions] .region-row"));

        // Zoomed in on the top-left quarter: the box is a quarter of that, centred on it, drawn by the associate.
        await station.InvokeAsync(() => station.Instance.OnDrawKey(0.25, 0.25, 0.5, 0.5));
        var row = station.Find("[data-testid=regions] .region-row");
        Assert.Equal("added", row.GetAttribute("data-region-source"));
        Assert.Equal("true", row.GetAttribute("data-selected"));
        Assert.Equal(new[] { 120, 90, 80, 60 }, BoxOnTheEditor(station));

        await station.InvokeAsync(() => station.Instance.OnRegionNudge(1, 0, resize: false));
        await station.InvokeAsync(() => station.Instance.OnRegionNudge(0, -1, resize: false));
        Assert.Equal(new[] { 126, 84, 80, 60 }, BoxOnTheEditor(station));
        await station.InvokeAsync(() => station.Instance.OnRegionNudge(-1, 1, resize: true));
        Assert.Equal(new[] { 126, 84, 74, 66 }, BoxOnTheEditor(station));

        // Kept inside the photo: far to the left it stops at the edge, at its size.
        for (var i = 0; i < 30; i++)
        {
            await station.InvokeAsync(() => station.Instance.OnRegionNudge(-1, 0, resize: false));
        }
        Assert.Equal(new[] { 0, 84, 74, 66 }, BoxOnTheEditor(station));
        // Shrunk to the smallest box kept (4 px here), then no further.
        for (var i = 0; i < 30; i++)
        {
            await station.InvokeAsync(() => station.Instance.OnRegionNudge(0, -1, resize: true));
        }
        Assert.Equal(6, BoxOnTheEditor(station)[3]);

        // Each press is its own edit: one undo takes back the last shrink only.
        await station.InvokeAsync(() => station.Instance.OnUndoKey());
        Assert.Equal(12, BoxOnTheEditor(station)[3]);
        Assert.Equal(photoId.ToString(), station.Find("[data-region-editor]").GetAttribute("data-photo-id"));
    }

    private static int[] BoxOnTheEditor(IRenderedComponent<Web.Features.Station.Station> station)
    {
        var box = station.Find("[data-region-editor] .region-box-selected");
        return [.. new[] { "x", "y", "width", "height" }.Select(a => int.Parse(box.GetAttribute(a)!, System.Globalization.CultureInfo.InvariantCulture))];
    }

    /// <summary>The key station.js reports a drag by, of the box drawn at <paramref name="x"/> on the editor.</summary>
    private static long KeyOnTheEditor(IRenderedComponent<Web.Features.Station.Station> station, string x)
    {
        if (station.FindAll("[data-region-editor]").Count == 0)
        {
            station.Find("[data-testid=open-photo]").Click();
        }
        return long.Parse(station.FindAll("[data-region-editor] [data-region-key]").Single(g => g.QuerySelector(".region-box")!.GetAttribute("x") == x)
            .GetAttribute("data-region-key")!, System.Globalization.CultureInfo.InvariantCulture);
    }
}
