using Returns.Grader.Web.Data;
using Returns.Grader.Web.Features.Grading;
using Returns.Grader.Web.Features.Models;

namespace Returns.Grader.UnitTests.Models;

/// <summary>
/// A model comparison scores each photo's damage against the damage that photo can show: the label's boxes on it and
/// the item's marks without a photo, not every box on the item (exploratory pass, 2026-12-06: a model that found exactly
/// the stain boxed on its photo scored 0.50 beside the item's other photo; a box on a photo set aside counted on the
/// photos left); and the mean is over the types either model or the labels named, the same for both models, instead of
/// every type (one nobody named lifted it at 1.00).
/// </summary>
public sealed class ModelComparisonDamageTests
{
    private static readonly Guid Front = Guid.NewGuid();
    private static readonly Guid Back = Guid.NewGuid();

    [Fact]
    public void APhotoIsScoredAgainstTheBoxesOnIt_AndTheItemsMarksWithoutAPhoto()
    {
        (Guid?, DamageType)[] label = [(Front, DamageType.Stain), (Back, DamageType.Scratch), (null, DamageType.Dent)];

        Assert.Equal([DamageType.Stain, DamageType.Dent], ModelComparison.LabelDamageOnPhoto(label, Front).Order());
        Assert.Equal([DamageType.Scratch, DamageType.Dent], ModelComparison.LabelDamageOnPhoto(label, Back).Order());
        Assert.Equal([DamageType.Dent], ModelComparison.LabelDamageOnPhoto(label, Guid.NewGuid()).Order()); // a photo with no box
    }

    [Fact]
    public void TheMeanAgreement_LeavesOutTypesNeitherTheModelNorTheLabelsNamed()
    {
        DamageAgreement[] damage =
        [
            new("stain", Grader: 2, Final: 2, Both: 2, Agreement: 1.0),
            new("scratch", Grader: 1, Final: 2, Both: 1, Agreement: 0.5),
            new("tear", Grader: 0, Final: 0, Both: 0, Agreement: 1.0),   // nobody named it: not agreement
        ];

        Assert.Equal(0.75, ModelComparison.MeanOverTypes(damage, new HashSet<string> { "stain", "scratch" }));
        // the set is the same for both models (the types either model or the labels named): each type in it is averaged,
        // here a dent this model said where the labels have none
        Assert.Equal(0.5, ModelComparison.MeanOverTypes([.. damage, new("dent", Grader: 1, Final: 0, Both: 0, Agreement: 0.0)],
            new HashSet<string> { "stain", "scratch", "dent" }));
        Assert.Null(ModelComparison.MeanOverTypes(damage, new HashSet<string>()));   // nothing named: no figure, not 0.00
    }
}
