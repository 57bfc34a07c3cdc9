using Microsoft.Extensions.Options;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Features.Grading;

namespace Returns.Grader.UnitTests.Grading;

public sealed class RubricTests
{
    private static readonly Rubric V1 = new RubricCatalog(Options.Create(new RubricOptions())).Active;

    [Theory]
    [InlineData(0, Grade.LikeNew)]
    [InlineData(1, Grade.VeryGood)]
    [InlineData(2, Grade.Good)]
    [InlineData(3, Grade.Good)]
    [InlineData(4, Grade.Acceptable)]
    [InlineData(5, Grade.Acceptable)]
    [InlineData(6, Grade.Unsellable)]
    [InlineData(40, Grade.Unsellable)]
    public void V1_PointsGiveTheDocumentedGrade(int points, Grade expected) => Assert.Equal(expected, V1.GradeForPoints(points));

    [Theory]
    [InlineData(DamageType.Scratch, 1)]
    [InlineData(DamageType.Stain, 1)]
    [InlineData(DamageType.Dent, 2)]
    [InlineData(DamageType.Tear, 4)]
    [InlineData(DamageType.Crack, 4)]
    [InlineData(DamageType.MissingPart, 6)]
    public void V1_SeverityPointsPerDamageType(DamageType type, int points) => Assert.Equal(points, V1.PointsOf(type));

    /// <summary>ADR 0036: a box type on several photos counts as on the photo that shows most of it; marks count each.</summary>
    [Fact]
    public void AnItemsBoxes_CountAsOnThePhotoShowingMostOfThem_AndMarksEach()
    {
        var (front, back) = (Guid.NewGuid(), Guid.NewGuid());

        Assert.Equal([DamageType.Scratch], Rubric.Counted([(front, DamageType.Scratch), (back, DamageType.Scratch)], [])); // one scratch, seen twice
        Assert.Equal([DamageType.Scratch, DamageType.Scratch, DamageType.Dent],
            Rubric.Counted([(front, DamageType.Scratch), (front, DamageType.Scratch), (back, DamageType.Scratch), (back, DamageType.Dent)], []));
        Assert.Equal([DamageType.Scratch, DamageType.Stain, DamageType.Scratch],
            Rubric.Counted([(front, DamageType.Scratch)], [DamageType.Stain, DamageType.Scratch])); // a mark is damage of its own
    }

    [Fact]
    public void Damage_IsSummedOverEveryPiece()
    {
        Assert.Equal(Grade.Acceptable, V1.GradeFor([DamageType.Scratch, DamageType.Stain, DamageType.Dent])); // 1+1+2
        Assert.Equal(Grade.Good, V1.GradeFor([DamageType.Scratch, DamageType.Scratch]));
    }

    [Fact]
    public void Contradiction_IsAGradeOtherThanTheRubricsForTheMarkedDamage()
    {
        Assert.True(V1.Contradicts(Grade.LikeNew, [DamageType.Crack]));
        Assert.True(V1.Contradicts(Grade.Good, []));
        Assert.False(V1.Contradicts(Grade.Acceptable, [DamageType.Crack]));
    }

    [Fact]
    public void V1_IsTheActiveVersion() => Assert.Equal("v1", V1.Version);

    [Fact]
    public void UnknownActiveVersion_FailsNamingTheSetting()
    {
        var error = Assert.Throws<OptionsValidationException>(() => new RubricCatalog(Options.Create(new RubricOptions { ActiveVersion = "v9" })));

        Assert.Contains("Grader:Rubric:ActiveVersion", error.Message);
    }

    [Theory]
    [InlineData("""{"version":"x","damagePoints":{"scratch":1},"gradeBands":[{"minPoints":0,"grade":"LikeNew"}]}""", "no points for")]
    [InlineData("""{"version":"x","damagePoints":{"scratch":1,"stain":1,"dent":2,"tear":4,"crack":4,"missing_part":6},"gradeBands":[{"minPoints":1,"grade":"LikeNew"}]}""", "starting at 0")]
    [InlineData("""{"version":"x","damagePoints":{"scratch":1,"stain":1,"dent":2,"tear":4,"crack":4,"missing_part":6},"gradeBands":[{"minPoints":0,"grade":"Good"},{"minPoints":2,"grade":"LikeNew"}]}""", "worse grade")]
    public void MalformedRubric_IsRefusedWithAReason(string json, string reason)
    {
        var error = Assert.Throws<InvalidDataException>(() => Rubric.Parse(json));

        Assert.Contains(reason, error.Message);
    }
}
