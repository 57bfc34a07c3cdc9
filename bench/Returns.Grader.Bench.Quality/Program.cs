using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Returns.Grader.Bench.Quality;
using Returns.Grader.Bench.Quality.Measurement;
using Returns.Grader.Bench.Quality.Seeding;
using Returns.Grader.TestSupport;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Features.Decisions;
using Returns.Grader.Web.Features.Quality;
using Returns.Grader.Web.Features.Review;

// Issue 4's speed target: the review queue's query and the quality dashboard's figures at 1,000,000 decisions on SQLite.
// Usage, from the repository root (docs/benchmarks.md has the measured run):
//   nice -n 10 dotnet run -c Release --project bench/Returns.Grader.Bench.Quality [-- --runs 15 --keep --db FILE --analyze]
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

var options = BenchArguments.Parse(args);
var total = Stopwatch.StartNew();
var startedAt = DateTime.UtcNow;
var report = new StringBuilder();
void Md(string line = "")
{
    Console.WriteLine(line);
    report.AppendLine(line);
}

Md($"# Quality bench, {startedAt:yyyy-MM-dd HH:mm} UTC");
Md();
Md($"- Machine: {Machine.Describe()}; load average at the start {Machine.LoadAverage()}; {Machine.OtherLoad()}");
Md($"- Harness: Stopwatch, {options.Warmup} warm-up + {options.Runs} timed runs per scenario, one after another; median and nearest-rank P95; .NET {Environment.Version}, SQLite {SqliteVersion()}");

SeedCounts? seed = null;
string databasePath;
if (options.Database is { } reused)
{
    databasePath = reused;
    Md($"- Database: reused {databasePath} ({new FileInfo(databasePath).Length / 1048576.0:F0} MB), not seeded by this run");
}
else
{
    var directory = Path.Combine(Path.GetTempPath(), $"grader-bench-quality-{startedAt:yyyyMMdd-HHmmss}");
    Directory.CreateDirectory(directory);
    databasePath = Path.Combine(directory, "grader.db");
    Console.WriteLine($"Seeding {databasePath}");
    var shape = new SeedShape { PredictionsForAllItems = options.PredictionsForAllItems };
    try
    {
        seed = await MonthSeeder.SeedAsync(databasePath, shape, DateTime.UtcNow, line => Console.WriteLine($"  seed: {line}"));
    }
    catch
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(directory, recursive: true);
        throw;
    }
    Md($"- Database: {databasePath}, seeded in {seed.Elapsed.TotalSeconds:F0} s, {seed.FileBytes / 1048576.0:F0} MB");
    Md($"- Seed: {seed.Items:N0} items, {seed.StationDecisions + seed.ReviewDecisions:N0} decisions ({seed.StationDecisions:N0} station, {seed.ReviewDecisions:N0} review), "
        + $"{seed.ReviewDecisions + seed.OpenTasks:N0} review tasks ({seed.OpenTasks:N0} open), {seed.Photos:N0} photos, {seed.Predictions:N0} predictions, {seed.DamageRegions:N0} damage regions; "
        + $"{shape.Associates} associates, {SeedShape.Categories.Count} categories, {seed.Blind:N0} blind, {seed.HighValueItems:N0} items ≥ 500; "
        + $"decided {seed.First:yyyy-MM-dd HH:mm} – {seed.Last:yyyy-MM-dd HH:mm} UTC");
}

if (options.Analyze)
{
    await using var connection = new SqliteConnection($"Data Source={databasePath}");
    await connection.OpenAsync();
    await using var analyze = connection.CreateCommand();
    analyze.CommandText = "ANALYZE;";
    await analyze.ExecuteNonQueryAsync();
    Md("- ANALYZE run before timing (the app never runs it: diagnostic only)");
}

var services = new BenchServices(databasePath);
var ct = CancellationToken.None;
// The seed writes decisions as raw rows, so the dashboard's daily counts (ADR 0008) are built the way the app builds them
// on its first start after the upgrade that added them: one rebuild from the decisions, timed.
await using (var db = await services.Factory.CreateDbContextAsync(ct))
{
    var rebuildStart = Stopwatch.GetTimestamp();
    if (await QualityCountRebuild.RebuildIfStaleAsync(db, ct))
    {
        var rows = await db.QualityDailyCounts.LongCountAsync(ct);
        var hourly = await db.QualityHourlyCounts.LongCountAsync(ct);
        Md($"- Daily counts rebuilt from the decisions in {QueryPlans.Seconds(rebuildStart):F1} s (the app's first start after the upgrade): {rows:N0} daily rows, {hourly:N0} hourly rows");
    }
}
// The dashboard's default range: the last 30 days (QualityPage starts at today − 30 days, no end).
var month = new QualityFilter(From: DateTime.UtcNow.Date.AddDays(-30));
var topCategory = SeedShape.Categories[0];
var queueFilter = new QueueFilter(Reason: ReviewReason.HighValue, Category: "Electronics");
var associate = SeedShape.AssociateId(6);

var scenarios = new List<Scenario>
{
    new("Queue: default page (open tasks, top 100 by priority)", (s, r) => Desk(s, r).ListAsync(new QueueFilter(), ct)),
    new($"Queue: reason {queueFilter.Reason} + category {queueFilter.Category}", (s, r) => Desk(s, r).ListAsync(queueFilter, ct)),
    new("Dashboard: last 30 days, no filter (the page's default)", (s, r) => Metrics(s, r).ReportAsync(month, ct)),
    new($"Dashboard: last 30 days, category {topCategory} (largest)", (s, r) => Metrics(s, r).ReportAsync(month with { Category = topCategory }, ct)),
    new($"Dashboard: last 30 days, associate {associate}", (s, r) => Metrics(s, r).ReportAsync(month with { Associate = associate }, ct)),
    new($"Dashboard: last 30 days, model {SeedShape.ModelVersion}", (s, r) => Metrics(s, r).ReportAsync(month with { ModelVersion = SeedShape.ModelVersion }, ct)),
    new($"Dashboard, live (combined filters): last 30 days, category {topCategory} + associate {associate}",
        (s, r) => Metrics(s, r).ReportAsync(month with { Category = topCategory, Associate = associate }, ct)),
};

// Read the seed back through the app before timing anything.
var checkStart = Stopwatch.GetTimestamp();
QualityReport[] reports =
[
    await services.Metrics.ReportAsync(month, ct), await services.Metrics.ReportAsync(month with { Category = topCategory }, ct),
    await services.Metrics.ReportAsync(month with { Associate = associate }, ct),
];
var checks = SeedChecks.Run(seed,
    await services.Desk.ListAsync(new QueueFilter(), ct), await services.Desk.ListAsync(queueFilter, ct), queueFilter, reports[0], reports[1], reports[2]).ToList();
// The daily counts must say what the live queries over the same decisions say (every figure but the live queue).
var slices = new[] { month, month with { Category = topCategory }, month with { Associate = associate }, month with { ModelVersion = SeedShape.ModelVersion } };
foreach (var slice in slices)
{
    var counted = await services.Metrics.ReportAsync(slice, ct);
    var live = await services.Metrics.LiveReportAsync(slice, ct);
    var differences = ReportComparison.Differences(live, counted);
    checks.Add((counted.Source == QualityMetrics.FromDailyCounts && differences.Count == 0,
        $"daily counts = live queries, every figure ({slice.Category ?? slice.Associate ?? slice.ModelVersion ?? "no filter"})"
        + (differences.Count == 0 ? "" : ": " + string.Join("; ", differences.Take(5)))));
}
if (options.DumpReports is { } dumpPath)
{
    await File.WriteAllTextAsync(dumpPath, JsonSerializer.Serialize(reports, new JsonSerializerOptions { WriteIndented = true }));
}
Md();
Md($"## Read-back checks ({QueryPlans.Seconds(checkStart):F1} s, cold)");
Md();
foreach (var (ok, text) in checks)
{
    Md($"- {(ok ? "PASS" : "FAIL")} {text}");
}
var passed = checks.All(c => c.Ok);
if (!passed)
{
    Md();
    Md("A read-back check failed: the seed is not what the app reads; no timings.");
}
else if (!options.ChecksOnly)
{
    Md();
    Md("## Timings (target: under 200 ms each)");
    Md();
    Md("| Scenario | Median | P95 | Min–max | Runs | Target |");
    Md("|---|--:|--:|--:|--:|---|");
    var timings = new List<(Scenario Scenario, Timing Time)>();
    foreach (var scenario in scenarios)
    {
        var time = await Timing.MeasureAsync(() => scenario.RunAsync(services, recorded: false), options.Warmup, options.Runs);
        timings.Add((scenario, time));
        Md($"| {scenario.Name} | {time.Median:F1} ms | {time.P95:F1} ms | {Ms(time.Min)}–{Ms(time.Max)} ms | {time.Count} | {(time.P95 < 200 ? "met" : time.Median < 200 ? "median met, P95 missed" : "**missed**")} |");
    }
    Md();
    Md($"Load average after the timings {Machine.LoadAverage()}.");

    if (!options.SkipProfile)
    {
        // Every statement of each scenario, as EF sent it: SQLite's plan and its own time read by hand (all rows).
        services.Capture.Recording = true;
        foreach (var (scenario, time) in timings)
        {
            services.Capture.Take();
            await scenario.RunAsync(services, recorded: true);
            var profiles = await QueryPlans.ProfileAsync(services.ConnectionString, services.Capture.Take(), options.ProfileRuns);
            Md();
            Md($"## {scenario.Name}: {profiles.Count} statements, median {time.Median:F0} ms end to end");
            Md();
            Md("| # | Statement (first line of what it computes) | Median by hand | Plan (summary) |");
            Md("|--:|---|--:|---|");
            for (var i = 0; i < profiles.Count; i++)
            {
                var p = profiles[i];
                Md($"| {i + 1} | `{Shorten(p.Command.Sql)}` | {p.Time.Median:F1} ms | {p.Plan.Replace(Environment.NewLine, "; ", StringComparison.Ordinal).Replace("|", "/", StringComparison.Ordinal)} |");
            }
            Md($"Sum of statements {profiles.Sum(p => p.Time.Median):F0} ms.");
            foreach (var (p, i) in profiles.Select((p, i) => (p, i)).Where(x => x.p.Time.Median >= 20))
            {
                Md();
                Md($"### Statement {i + 1} ({p.Time.Median:F0} ms){(p.Command.Parameters.Count > 0 ? $", parameters {p.Command.ParameterText}" : "")}");
                Md();
                Md("```sql");
                Md(p.Command.Sql);
                Md("```");
                Md("```");
                Md(p.Plan);
                Md("```");
            }
        }
    }
}

Md();
Md($"Load average at the end {Machine.LoadAverage()}; total wall time {total.Elapsed.TotalMinutes:F1} min.");

var artifacts = Path.Combine(BenchArguments.FindRepoRoot(), "BenchmarkDotNet.Artifacts", "quality");
Directory.CreateDirectory(artifacts);
var reportPath = Path.Combine(artifacts, $"results-{startedAt:yyyyMMdd-HHmmss}.md");
await File.WriteAllTextAsync(reportPath, report.ToString());
Console.WriteLine($"{Environment.NewLine}Report written to {reportPath}");

SqliteConnection.ClearAllPools();
if (seed is not null && !options.Keep)
{
    Directory.Delete(Path.GetDirectoryName(databasePath)!, recursive: true);
    Console.WriteLine($"Deleted {databasePath}");
}
else if (seed is not null)
{
    Console.WriteLine($"Kept {databasePath} (reuse with --db, delete it when done)");
}
return passed ? 0 : 1;

static ReviewDesk Desk(BenchServices services, bool recorded) => recorded ? services.RecordedDesk : services.Desk;

static QualityMetrics Metrics(BenchServices services, bool recorded) => recorded ? services.RecordedMetrics : services.Metrics;

static string Ms(double ms) => ms < 10 ? ms.ToString("F1", CultureInfo.InvariantCulture) : ms.ToString("F0", CultureInfo.InvariantCulture);

static string SqliteVersion()
{
    using var connection = new SqliteConnection("Data Source=:memory:");
    connection.Open();
    return connection.ServerVersion;
}

static string Shorten(string sql)
{
    var flat = string.Join(' ', sql.Split((char[])['\n', '\r', ' '], StringSplitOptions.RemoveEmptyEntries));
    return (flat.Length > 110 ? flat[..110] + " …" : flat).Replace("|", "/", StringComparison.Ordinal);
}

/// <summary>One timed thing: a call of the app's service, on the plain or on the recorded (SQL-capturing) instance.</summary>
internal sealed record Scenario(string Name, Func<BenchServices, bool, Task> Run)
{
    public Task RunAsync(BenchServices services, bool recorded) => Run(services, recorded);
}
