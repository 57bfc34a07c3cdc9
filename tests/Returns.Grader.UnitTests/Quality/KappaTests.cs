using Returns.Grader.Web.Features.Grading;

namespace Returns.Grader.UnitTests.Quality;

public sealed class KappaTests
{
    [Fact]
    public void QuadraticWeightedKappa_MatchesTheTextbookFormula()
    {
        // Reference value computed independently with numpy: 1 - Σ w·O / Σ w·E, w = (i-j)²/(k-1)².
        long[][] counts =
        [
            [10, 2, 0, 0, 0],
            [1, 8, 3, 0, 0],
            [0, 2, 9, 1, 0],
            [0, 0, 2, 7, 1],
            [0, 0, 0, 1, 5],
        ];

        Assert.Equal(0.9261363636, GradeAgreement.QuadraticWeightedKappa(counts), 9);
    }

    [Fact]
    public void PerfectAgreement_IsOne_AndOppositeExtremes_AreBelowZero()
    {
        var perfect = Enumerable.Range(0, 5).Select(i => Enumerable.Range(0, 5).Select(j => i == j ? 3L : 0L).ToArray()).ToArray();
        var opposite = Enumerable.Range(0, 5).Select(i => Enumerable.Range(0, 5).Select(j => i + j == 4 ? 3L : 0L).ToArray()).ToArray();

        Assert.Equal(1.0, GradeAgreement.QuadraticWeightedKappa(perfect), 9);
        Assert.True(GradeAgreement.QuadraticWeightedKappa(opposite) < 0);
    }
}
