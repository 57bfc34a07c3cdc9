using Returns.Grader.Web.Components.Grading;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Features.Models;

namespace Returns.Grader.UnitTests.Grading;

/// <summary>The region keys both grading pages share (issue 17): what N/P choose, and that A/R/type never act unchosen.</summary>
public sealed class RegionKeysTests
{
    private static readonly Guid Photo = Guid.NewGuid();

    private static RegionEdit Suggested(string type, int x) => RegionEdit.From(new SuggestedDamage(type, 0.9, [x, 10, 20, 20], Photo))!;

    [Fact]
    public void NextAndPrevious_StartAtTheEnds_AndWrap()
    {
        List<RegionEdit> regions = [Suggested("scratch", 0), Suggested("dent", 30), Suggested("stain", 60)];

        Assert.Same(regions[0], RegionKeys.Step(regions, null, 1));
        Assert.Same(regions[2], RegionKeys.Step(regions, null, -1));
        Assert.Same(regions[0], RegionKeys.Step(regions, regions[2], 1));
        Assert.Same(regions[2], RegionKeys.Step(regions, regions[0], -1));
        Assert.Null(RegionKeys.Step([], null, 1));
    }

    [Fact]
    public void WithNothingChosen_NoKeyChangesAnything()
    {
        List<RegionEdit> regions = [Suggested("scratch", 0)];
        var history = new RegionHistory();

        foreach (var (action, number) in new[] { ("reject", 0), ("accept", 0), ("type", 3) })
        {
            Assert.Null(RegionKeys.Apply(action, number, regions, chosen: null, history));
        }

        Assert.False(regions[0].Deleted);
        Assert.Equal(DamageType.Scratch, regions[0].Type);
        Assert.False(history.CanUndo);
    }

    [Fact]
    public void RejectTypeAndAccept_ActOnTheChosenRegion_AndEachIsUndoable()
    {
        var scratch = Suggested("scratch", 0);
        List<RegionEdit> regions = [scratch, Suggested("dent", 30)];
        var history = new RegionHistory();

        Assert.Same(scratch, RegionKeys.Apply("type", 3, regions, scratch, history));   // Shift+3: dent
        Assert.Equal(DamageType.Dent, scratch.Type);
        RegionKeys.Apply("type", 3, regions, scratch, history);                          // the same type again: no step
        RegionKeys.Apply("reject", 0, regions, scratch, history);
        Assert.True(scratch.Deleted);
        RegionKeys.Apply("type", 1, regions, scratch, history);                          // a rejected region keeps its type
        Assert.Equal(DamageType.Dent, scratch.Type);
        RegionKeys.Apply("accept", 0, regions, scratch, history);
        Assert.False(scratch.Deleted);

        Assert.True(history.Undo(regions));
        Assert.True(scratch.Deleted);
        Assert.True(history.Undo(regions));
        Assert.Equal(DamageType.Dent, scratch.Type);
        Assert.False(scratch.Deleted);
        Assert.True(history.Undo(regions));
        Assert.Equal(DamageType.Scratch, scratch.Type);
        Assert.False(history.CanUndo);
    }

    /// <summary>A box drawn in a saved grade (perhaps a colleague's, opened for a correction) is not said to be drawn by
    /// the person at this form; one they draw is (regression pass, 2026-12-07).</summary>
    [Fact]
    public void ABoxDrawnInASavedGrade_IsNotSaidToBeDrawnByYou()
    {
        var saved = RegionEdit.FromSaved(new Web.Features.Decisions.DamageSummary(Photo, DamageType.Dent, [1, 2, 3, 4], RegionSource.Added))!;
        Assert.Equal("drawn, as saved", saved.Note);
        Assert.Equal(RegionSource.Added, saved.Source);
        Assert.Equal("drawn by you", RegionEdit.Drawn(Photo, DamageType.Dent, [1, 2, 3, 4]).Note);
    }

    /// <summary>A on the model's box saves it as accepted: the row says so (it looked the same before and after).</summary>
    [Fact]
    public void AcceptingTheModelsBox_IsShownInItsNote()
    {
        var scratch = Suggested("scratch", 0);
        List<RegionEdit> regions = [scratch];
        Assert.Equal("score 0.90", scratch.Note);

        RegionKeys.Apply("accept", 0, regions, scratch, new RegionHistory());

        Assert.Equal(RegionSource.Accepted, scratch.Source);
        Assert.Equal("score 0.90; kept as damage by you", scratch.Note);
        // A box the grader had accepted is not said to be the supervisor's doing until the supervisor acts on it.
        var gradersAccepted = RegionEdit.FromDecision(new Web.Features.Decisions.DamageSummary(Photo, DamageType.Dent, [1, 2, 3, 4], RegionSource.Accepted))!;
        Assert.DoesNotContain("by you", gradersAccepted.Note, StringComparison.Ordinal);
        var gradersModel = RegionEdit.FromDecision(new Web.Features.Decisions.DamageSummary(Photo, DamageType.Dent, [1, 2, 3, 4], RegionSource.Model))!;
        RegionKeys.Apply("accept", 0, [gradersModel], gradersModel, new RegionHistory());
        Assert.EndsWith("kept as damage by you", gradersModel.Note, StringComparison.Ordinal);
    }

    [Fact]
    public void RejectingABoxThePersonDrew_RemovesIt_AndLeavesNothingChosen()
    {
        var drawn = RegionEdit.Drawn(Photo, DamageType.Tear, [5, 5, 10, 10]);
        List<RegionEdit> regions = [Suggested("scratch", 0), drawn];
        var history = new RegionHistory();

        Assert.Null(RegionKeys.Apply("reject", 0, regions, drawn, history));

        Assert.DoesNotContain(drawn, regions);
        Assert.True(history.Undo(regions));
        Assert.Contains(drawn, regions);
    }

    [Fact]
    public void ATypeNumberOutsideTheRubric_ChangesNothing()
    {
        var scratch = Suggested("scratch", 0);
        List<RegionEdit> regions = [scratch];
        var history = new RegionHistory();

        RegionKeys.Apply("type", 7, regions, scratch, history);
        RegionKeys.Apply("type", 0, regions, scratch, history);

        Assert.Equal(DamageType.Scratch, scratch.Type);
        Assert.False(history.CanUndo);
    }
}
