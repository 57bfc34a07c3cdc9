using System.Globalization;
using System.Text;

namespace Returns.Grader.Web.Features.Quality;

/// <summary>
/// The quality report as the page shows it, as CSV (issue 17: "CSV download of what is shown"): one section per panel,
/// each a header row then its rows, separated by an empty line. Numbers in the invariant culture; text quoted as RFC
/// 4180 says, and a text a spreadsheet would run as a formula (= + - @ first) gets a leading quote.
/// </summary>
public static class QualityCsv
{
    public static string Write(QualityReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var csv = new StringBuilder();
        var f = report.Filter;
        Row(csv, "from", "to", "category", "associate", "model", "source");
        Row(csv, Day(f.From), Day(f.To), f.Category ?? "", f.Associate ?? "", f.ModelVersion ?? "", report.Source);
        EndPanel(csv);

        // Everything each panel shows (exploratory pass, 2026-12-05: the confusion matrices, the cost and the queue line
        // were missing, and a damage type nobody marked read "—" on the page but 1 here).
        var agreements = new[] { report.ModelVsFinal, report.GraderVsFinal, report.GraderVsModel };
        Row(csv, "comparison", "total", "accuracy", "off by one", "quadratic weighted kappa", "over-graded", "under-graded", "estimated cost (USD)");
        foreach (var a in agreements)
        {
            Row(csv, a.Name, N(a.Total), N(a.Accuracy), N(a.OffByOneRate), N(a.QuadraticWeightedKappa), N(a.OverGraded), N(a.UnderGraded),
                Math.Round(a.EstimatedCost, 2).ToString("0.##", CultureInfo.InvariantCulture));
        }
        EndPanel(csv);

        var grades = Enum.GetValues<Data.Grade>();
        Row(csv, ["comparison", "rows: first named", .. grades.Select(g => $"columns: {Components.Words.Of(g)}")]);
        foreach (var a in agreements)
        {
            foreach (var row in grades)
            {
                Row(csv, [a.Name, Components.Words.Of(row), .. grades.Select(column => N(a.Counts[(int)row][(int)column]))]);
            }
        }
        EndPanel(csv);

        Row(csv, "damage type", "grader", "final", "both", "agreement");
        foreach (var d in report.DamageTypeAgreement)
        {
            Row(csv, Components.Words.DamageTypeNamed(d.Type), N(d.Grader), N(d.Final), N(d.Both), d.Grader + d.Final == 0 ? "" : N(d.Agreement));
        }
        EndPanel(csv);

        var queue = report.Queue;
        Row(csv, "review queue", "open", "oldest (hours)", "mean age (hours)", "over target");
        Row(csv, "now", N(queue.Open), N(Math.Round(queue.OldestHours, 1)), N(Math.Round(queue.MeanAgeHours, 1)), N(queue.OverTarget));
        foreach (var (reason, open) in queue.OpenByReason.Where(r => r.Value > 0))
        {
            Row(csv, $"open: {Components.Words.ReviewReasonNamed(reason)}", N(open));
        }
        EndPanel(csv);

        Row(csv, "review reason", "tasks", "share of decisions");
        foreach (var r in report.ReviewRates)
        {
            // In the page's words (the CSV is what the page shows), not the enum's names.
            Row(csv, Components.Words.ReviewReasonNamed(r.Reason), N(r.Tasks), N(r.ShareOfDecisions));
        }
        EndPanel(csv);

        Row(csv, "confidence from", "confidence to", "photos", "mean confidence", "accuracy");
        foreach (var b in report.Calibration)
        {
            Row(csv, N(b.From), N(b.To), N(b.Count), N(b.MeanConfidence), N(b.Accuracy));
        }
        EndPanel(csv);

        // The page shows shares under "Kept unchanged" and "Blind agreed", the CSV had counts under the same words: both
        // now, each named (review of the quality figures, 2026-12-06); a share of nothing is left empty, as "—" on the page.
        Row(csv, "associate", "suggestions shown", "kept unchanged", "kept unchanged (share)", "blind", "blind agreed", "blind agreed (share)");
        foreach (var a in report.SuggestionAcceptance)
        {
            Row(csv, a.AssociateName, N(a.Shown), N(a.AcceptedUnchanged), a.Shown == 0 ? "" : N(a.AcceptedShare),
                N(a.Blind), N(a.BlindAgreed), a.Blind == 0 ? "" : N(a.BlindAgreedShare));
        }
        EndPanel(csv);

        Row(csv, "associate", "hour (UTC)", "decisions");
        foreach (var t in report.Throughput.OrderBy(t => t.Hour).ThenBy(t => t.Associate, StringComparer.Ordinal))
        {
            Row(csv, t.Associate, t.Hour.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture), N(t.Decisions));
        }
        return csv.ToString();
    }

    private static string Day(DateTime? day) => day?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "";

    private static string N(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);

    private static string N(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static void Row(StringBuilder csv, params string[] cells) =>
        csv.Append(string.Join(',', cells.Select(Quote))).Append(LineBreak);

    /// <summary>The empty line after a panel, with the rows' line break (AppendLine wrote "\n" on Linux between "\r\n" rows).</summary>
    private static void EndPanel(StringBuilder csv) => csv.Append(LineBreak);

    private const string LineBreak = "\r\n"; // RFC 4180

    /// <summary>A number stays a number (a negative one too); any text is quoted as everywhere else (CsvText).</summary>
    internal static string Quote(string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _) ? value : Infrastructure.CsvText.Quote(value);
}
