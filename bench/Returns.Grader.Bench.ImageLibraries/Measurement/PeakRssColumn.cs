using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Returns.Grader.Bench.ImageLibraries.Measurement;

/// <summary>
/// Shows the peak RSS each benchmark's own process reached while it ran (recorded by
/// <see cref="ImageLibraryBenchmarks"/> in its global cleanup), and the growth over the RSS after setup.
/// </summary>
public sealed class PeakRssColumn(string recordsDirectory, bool growth) : IColumn
{
    public string Id => growth ? "PeakRssGrowth" : "PeakRss";

    public string ColumnName => growth ? "RSS growth" : "Peak RSS";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => growth ? 1 : 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => growth
        ? "Peak RSS minus the RSS after setup (inputs loaded): native + managed working memory of the path"
        : "Peak resident set size of the benchmark process (VmHWM, reset after setup)";

    public static string RecordPath(string directory, string benchmark) => Path.Combine(directory, $"peak-rss-{benchmark}.txt");

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        ArgumentNullException.ThrowIfNull(benchmarkCase);
        var path = RecordPath(recordsDirectory, benchmarkCase.Descriptor.WorkloadMethod.Name);
        if (!File.Exists(path))
        {
            return "?";
        }

        var parts = File.ReadAllText(path).Split(' ');
        var baselineKb = long.Parse(parts[0], CultureInfo.InvariantCulture);
        var peakKb = long.Parse(parts[1], CultureInfo.InvariantCulture);
        var kb = growth ? peakKb - baselineKb : peakKb;
        return string.Create(CultureInfo.InvariantCulture, $"{kb / 1024.0:F0} MB");
    }

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public override string ToString() => ColumnName;
}
