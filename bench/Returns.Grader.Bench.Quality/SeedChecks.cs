using Returns.Grader.Bench.Quality.Seeding;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Features.Quality;
using Returns.Grader.Web.Features.Review;
using Returns.Grader.Web.Infrastructure;

namespace Returns.Grader.Bench.Quality;

/// <summary>
/// The seed read back through the app's own services: a seed EF cannot read (a wrong Guid case, date format or enum
/// text) would give empty or short answers here, and the timings would be of nothing.
/// </summary>
public static class SeedChecks
{
    public static IReadOnlyList<(bool Ok, string Text)> Run(
        SeedCounts? seed, IReadOnlyList<QueueEntry> queue, IReadOnlyList<QueueEntry> filteredQueue, QueueFilter filter,
        QualityReport month, QualityReport category, QualityReport associate)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(filteredQueue);
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(month);
        ArgumentNullException.ThrowIfNull(category);
        ArgumentNullException.ThrowIfNull(associate);
        var checks = new List<(bool, string)>
        {
            (queue.Count == 100 && queue.All(e => e.ReturnId.StartsWith("LPN", StringComparison.Ordinal) && e.Reasons.Count > 0),
                $"queue, default page: {queue.Count} entries (100 expected), each with its item's plate and at least one reason"),
            (queue.Zip(queue.Skip(1)).All(p => p.First.Priority >= p.Second.Priority),
                $"queue, default page: sorted by priority ({(queue.Count > 0 ? queue[0].Priority : 0)} … {(queue.Count > 0 ? queue[^1].Priority : 0)})"),
            (filteredQueue.Count > 0 && filteredQueue.All(e => e.Category == filter.Category && e.Reasons.Contains(filter.Reason!.Value)),
                $"queue, {filter.Reason} + {filter.Category}: {filteredQueue.Count} entries, all with that reason and category"),
            (category.GraderVsModel.Total > 0 && category.GraderVsModel.Total < month.GraderVsModel.Total,
                $"report, category {category.Filter.Category}: {category.GraderVsModel.Total:N0} station decisions with a suggestion, {category.GraderVsFinal.Total:N0} reviewed"),
            (associate.GraderVsModel.Total > 0 && associate.GraderVsModel.Total < month.GraderVsModel.Total,
                $"report, associate {associate.Filter.Associate}: {associate.GraderVsModel.Total:N0} station decisions with a suggestion, {associate.GraderVsFinal.Total:N0} reviewed"),
        };
        if (seed is null)
        {
            checks.Add((month.GraderVsFinal.Total > 0 && month.Queue.Open > 0,
                $"report, month (reused file, no seed counts): {month.GraderVsFinal.Total:N0} reviewed, {month.Queue.Open:N0} open"));
            return checks;
        }

        checks.Add((Same(month.GraderVsFinal.Counts, seed.GraderVsFinal),
            $"report, month: grader vs final matrix equals the seed's, cell by cell ({month.GraderVsFinal.Total:N0} of {SeedCounts.Sum(seed.GraderVsFinal):N0})"));
        checks.Add((Same(month.ModelVsFinal.Counts, seed.ModelVsFinal),
            $"report, month: model vs final matrix equals the seed's ({month.ModelVsFinal.Total:N0} of {SeedCounts.Sum(seed.ModelVsFinal):N0})"));
        checks.Add((Same(month.GraderVsModel.Counts, seed.GraderVsModel),
            $"report, month: grader vs model matrix equals the seed's ({month.GraderVsModel.Total:N0} of {SeedCounts.Sum(seed.GraderVsModel):N0})"));
        var calibrated = month.Calibration.Sum(b => b.Count);
        checks.Add((calibrated == SeedCounts.Sum(seed.ModelVsFinal),
            $"report, month: calibration covers {calibrated:N0} reviewed predictions ({SeedCounts.Sum(seed.ModelVsFinal):N0} expected), ECE {month.ExpectedCalibrationError}"));
        checks.Add((month.Queue.Open == seed.OpenTasks && Enum.GetValues<ReviewReason>().All(r => month.Queue.OpenByReason[r.ToString()] == seed.OpenByReason[r]),
            $"report, month: {month.Queue.Open:N0} open tasks ({seed.OpenTasks:N0} expected), open by reason equal to the seed's"));
        var damageTypes = Enum.GetValues<DamageType>();
        var damage = month.DamageTypeAgreement.ToDictionary(d => d.Type);
        checks.Add((damageTypes.All(t => damage.TryGetValue(WireName<DamageType>.Of(t), out var d)
                && d.Grader == seed.DamageGrader[(int)t] && d.Final == seed.DamageFinal[(int)t] && d.Both == seed.DamageBoth[(int)t]),
            $"report, month: damage-type agreement (grader, final, both per type) equals the seed's; scratch {damage.GetValueOrDefault("scratch")?.Agreement}, "
            + $"{seed.DamageRegions:N0} regions seeded"));
        checks.Add((Enum.GetValues<ReviewReason>().All(r => month.ReviewRates.Single(x => x.Reason == r.ToString()).Tasks == seed.TasksByReason[r]),
            $"report, month: review rate by reason equals the seed's tasks by reason (HighValue {seed.TasksByReason[ReviewReason.HighValue]:N0}, AuditSample {seed.TasksByReason[ReviewReason.AuditSample]:N0})"));
        var expectedRows = Math.Min(5000, seed.ThroughputRows.Count);
        checks.Add((month.Throughput.Count == expectedRows,
            $"report, month: {month.Throughput.Count:N0} throughput rows (associate × hour); the month has {seed.ThroughputRows.Count:N0} and the report keeps the first 5,000"
            + (seed.ThroughputRows.Count > 5000 ? $" — so it stops at {month.Throughput[^1].Hour:yyyy-MM-dd HH:00}, the month ends {seed.Last:yyyy-MM-dd HH:mm}" : "")));
        var stationOfAssociate = seed.StationByAssociate.GetValueOrDefault(associate.Filter.Associate!);
        checks.Add((associate.GraderVsModel.Total <= stationOfAssociate && associate.GraderVsModel.Total >= stationOfAssociate * 0.95,
            $"report, associate {associate.Filter.Associate}: {associate.GraderVsModel.Total:N0} suggested of {stationOfAssociate:N0} station decisions"));
        return checks;
    }

    private static bool Same(long[][] counts, long[,] expected)
    {
        for (var a = 0; a < counts.Length; a++)
        {
            for (var b = 0; b < counts[a].Length; b++)
            {
                if (counts[a][b] != expected[a, b])
                {
                    return false;
                }
            }
        }
        return true;
    }
}
