using Returns.Grader.Web.Components.Grading;

namespace Returns.Grader.UnitTests.Station;

/// <summary>Box labels on the station's photo: readable (none over another) and on the photo.</summary>
public sealed class RegionLabelsTests
{
    private const int Size = 42; // the station's font size on a 2048-wide photo (width / 48)

    private static (double Left, double Top, double Right, double Bottom) Area((int X, int Y) spot, string text) =>
        (spot.X, spot.Y - Size, spot.X + text.Length * Size * 0.62, spot.Y + Size * 0.25);

    private static bool Overlap((double Left, double Top, double Right, double Bottom) a, (double Left, double Top, double Right, double Bottom) b) =>
        a.Left < b.Right && b.Left < a.Right && a.Top < b.Bottom && b.Top < a.Bottom;

    [Fact]
    public void TwoBoxesSideBySide_GetLabelsThatDoNotCoverEachOther()
    {
        // Labels placed only by their own box: both above their boxes, 60 px apart, each ~360 px wide.
        (int[] Box, string Text)[] labels = [([400, 600, 300, 200], "Scratch 0.93"), ([460, 620, 300, 200], "Dent 0.88")];

        var spots = RegionLabels.Place(labels, 2048, 1536, Size);

        Assert.Equal((400, 594), spots[0]); // the first keeps its place above its box
        Assert.False(Overlap(Area(spots[0], labels[0].Text), Area(spots[1], labels[1].Text)));
    }

    [Fact]
    public void ABoxAtTheTopEdge_HasItsLabelBelow_AndALabelNearTheRightEdgeStaysOnThePhoto()
    {
        var spots = RegionLabels.Place([([100, 10, 200, 100], "Tear"), ([1950, 800, 90, 90], "Missing part 0.71")], 2048, 1536, Size);

        Assert.Equal((100, 110 + Size), spots[0]);
        Assert.True(spots[1].X + "Missing part 0.71".Length * Size * 0.62 <= 2048);
        Assert.True(spots[1].X >= 0);
    }

    [Fact]
    public void ManyBoxesOnePlace_EachLabelStillOnThePhoto_AndTheFirstFewApart()
    {
        var labels = Enumerable.Range(0, 6).Select(i => (Box: new[] { 500 + i * 10, 500 + i * 10, 400, 400 }, Text: $"Stain 0.{90 - i}")).ToList();

        var spots = RegionLabels.Place(labels, 2048, 1536, Size);

        Assert.All(spots, s => Assert.InRange(s.Y, Size, 1536));
        for (var a = 0; a < spots.Count; a++)
        {
            for (var b = a + 1; b < spots.Count; b++)
            {
                Assert.False(Overlap(Area(spots[a], labels[a].Text), Area(spots[b], labels[b].Text)), $"labels {a} and {b} overlap");
            }
        }
    }
}
