using Returns.Grader.Web.Components.Grading;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Features.Models;

namespace Returns.Grader.UnitTests.Grading;

public sealed class RegionHistoryTests
{
    private static readonly Guid Photo = Guid.NewGuid();

    private static RegionEdit Suggested(string type, int x) => RegionEdit.From(new SuggestedDamage(type, 0.9, [x, 10, 20, 20], Photo))!;

    [Fact]
    public void EachEdit_IsUndone_InTurn_AndRedoneInTurn()
    {
        var scratch = Suggested("scratch", 0);
        var regions = new List<RegionEdit> { scratch };
        var history = new RegionHistory();

        history.Record(regions);
        scratch.Deleted = true;                                  // "not damage"
        history.Record(regions);
        regions.Add(RegionEdit.Drawn(Photo, DamageType.Dent, [50, 50, 10, 10]));   // a box drawn
        history.Record(regions);
        scratch.Box = [5, 10, 20, 20];                           // moved

        Assert.True(history.Undo(regions));
        Assert.Equal([0, 10, 20, 20], scratch.Box);
        Assert.Equal(2, regions.Count);
        Assert.True(history.Undo(regions));
        Assert.Single(regions);
        Assert.True(history.Undo(regions));
        Assert.False(scratch.Deleted);
        Assert.Equal(RegionSource.Model, scratch.Source); // as suggested, nobody has said it is damage
        Assert.False(history.Undo(regions));

        Assert.True(history.Redo(regions));
        Assert.True(scratch.Deleted);
        Assert.True(history.Redo(regions));
        Assert.Equal(DamageType.Dent, regions[1].Type);
        Assert.True(history.Redo(regions));
        Assert.Equal([5, 10, 20, 20], scratch.Box);
        Assert.False(history.Redo(regions));
    }

    [Fact]
    public void ANewEdit_AfterAnUndo_DropsWhatCouldBeRedone()
    {
        var scratch = Suggested("scratch", 0);
        var regions = new List<RegionEdit> { scratch };
        var history = new RegionHistory();
        history.Record(regions);
        scratch.Type = DamageType.Stain;
        history.Undo(regions);

        history.Record(regions);
        scratch.Type = DamageType.Crack;

        Assert.False(history.CanRedo);
        Assert.True(history.Undo(regions));
        Assert.Equal(DamageType.Scratch, scratch.Type);
    }

    [Fact]
    public void OnlyTheLastHundredSteps_AreKept()
    {
        var scratch = Suggested("scratch", 0);
        var regions = new List<RegionEdit> { scratch };
        var history = new RegionHistory();
        for (var x = 1; x <= RegionHistory.MaxSteps + 20; x++)
        {
            history.Record(regions);
            scratch.Box = [x, 10, 20, 20];
        }

        var undone = 0;
        while (history.Undo(regions))
        {
            undone++;
        }

        Assert.Equal(RegionHistory.MaxSteps, undone);
        Assert.Equal([20, 10, 20, 20], scratch.Box);
    }
}
