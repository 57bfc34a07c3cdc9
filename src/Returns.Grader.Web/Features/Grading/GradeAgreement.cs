using Returns.Grader.Web.Data;

namespace Returns.Grader.Web.Features.Grading;

/// <summary>
/// Agreement of two graders of the same items over the ordered grades. <see cref="Counts"/>[a][b] = items graded a by
/// the first and b by the second (grade order LikeNew … Unsellable).
/// </summary>
public sealed record Agreement(
    string Name, long[][] Counts, long Total, double Accuracy, double OffByOneRate, double QuadraticWeightedKappa,
    long OverGraded, long UnderGraded, double EstimatedCost);

public sealed record CalibrationBin(double From, double To, long Count, double MeanConfidence, double Accuracy);

/// <summary>Per damage type, over reviewed items: marked by the grader, by the supervisor, by both; Jaccard agreement.</summary>
public sealed record DamageAgreement(string Type, long Grader, long Final, long Both, double Agreement);

/// <summary>
/// How two sets of grades of the same items agree, and how well confidences are calibrated: pure arithmetic over counts
/// the caller groups (the quality dashboard from the database, the model comparison from predictions in memory).
/// </summary>
public static class GradeAgreement
{
    /// <summary>Share of the unit value lost per grade of error (an estimate for the cost figure; a business setting).</summary>
    public const double ValueLostPerGrade = 0.15;

    private static readonly int GradeCount = Enum.GetValues<Grade>().Length;

    /// <summary>The tenth of confidence a prediction falls in (0–9; exactly 1 joins bin 9 in <see cref="CalibrationFrom"/>).</summary>
    public static int BinOf(double confidence) => (int)(confidence * 10);

    internal static List<DamageAgreement> DamageAgreementFrom(
        Dictionary<DamageType, long> grader, Dictionary<DamageType, long> final, Dictionary<DamageType, long> both) =>
        Enum.GetValues<DamageType>().Select(type =>
        {
            var a = grader.GetValueOrDefault(type);
            var b = final.GetValueOrDefault(type);
            var ab = both.GetValueOrDefault(type);
            var union = a + b - ab;
            return new DamageAgreement(Infrastructure.WireName<DamageType>.Of(type), a, b, ab, union == 0 ? 1 : Math.Round((double)ab / union, 4));
        }).ToList();

    internal sealed record BinCounts(int Bin, long Count, double Confidence, long Correct);

    /// <summary>Bins and expected calibration error; a confidence of exactly 1 joins the last bin.</summary>
    internal static (IReadOnlyList<CalibrationBin>, double) CalibrationFrom(IEnumerable<BinCounts> rows)
    {
        var merged = rows.GroupBy(r => Math.Clamp(r.Bin, 0, 9))
            .Select(g => new BinCounts(g.Key, g.Sum(r => r.Count), g.Sum(r => r.Confidence), g.Sum(r => r.Correct)))
            .Where(r => r.Count > 0)
            .OrderBy(r => r.Bin)
            .ToList();
        var total = merged.Sum(r => r.Count);
        var bins = merged.Select(r => new CalibrationBin(
            r.Bin / 10.0, r.Bin / 10.0 + 0.1, r.Count, r.Confidence / r.Count, (double)r.Correct / r.Count)).ToList();
        var ece = total == 0 ? 0 : bins.Sum(b => b.Count / (double)total * Math.Abs(b.Accuracy - b.MeanConfidence));
        return (bins, Math.Round(ece, 4));
    }

    internal static Agreement Compute(string name, IEnumerable<(Grade A, Grade B, long Count, double Value)> cells)
    {
        var counts = Enumerable.Range(0, GradeCount).Select(_ => new long[GradeCount]).ToArray();
        long over = 0, under = 0, total = 0, exact = 0, offByOne = 0;
        decimal cost = 0;
        foreach (var (a, b, count, value) in cells)
        {
            counts[(int)a][(int)b] += count;
            total += count;
            var distance = (int)a - (int)b;
            exact += distance == 0 ? count : 0;
            offByOne += Math.Abs(distance) == 1 ? count : 0;
            // First grader better than the second (lower grade number): graded too well, the item comes back.
            over += distance < 0 ? count : 0;
            under += distance > 0 ? count : 0;
            // Unit values are cents: a cell's sum is rounded back to cents before it is weighed, in decimal, so the figure
            // does not depend on the order the database added the doubles in (the daily counts and the live query differ).
            cost += (decimal)Math.Round(value, 2) * Math.Abs(distance) * (decimal)ValueLostPerGrade;
        }
        return new Agreement(name, counts, total, total == 0 ? 0 : Math.Round((double)exact / total, 4),
            total == 0 ? 0 : Math.Round((double)offByOne / total, 4), Math.Round(QuadraticWeightedKappa(counts), 4), over, under, (double)Math.Round(cost, 2));
    }

    /// <summary>Cohen's kappa with quadratic weights over the ordered grades (1 = perfect, 0 = chance).</summary>
    public static double QuadraticWeightedKappa(long[][] counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var k = counts.Length;
        double total = counts.Sum(row => row.Sum());
        if (total == 0)
        {
            return 0;
        }
        var rows = counts.Select(row => row.Sum() / total).ToArray();
        var columns = Enumerable.Range(0, k).Select(j => counts.Sum(row => row[j]) / total).ToArray();
        double observed = 0, expected = 0;
        for (var i = 0; i < k; i++)
        {
            for (var j = 0; j < k; j++)
            {
                var weight = (i - j) * (i - j) / (double)((k - 1) * (k - 1));
                observed += weight * counts[i][j] / total;
                expected += weight * rows[i] * columns[j];
            }
        }
        return expected == 0 ? 1 : 1 - observed / expected;
    }
}
