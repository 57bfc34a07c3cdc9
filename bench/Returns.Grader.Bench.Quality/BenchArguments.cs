using System.Globalization;

namespace Returns.Grader.Bench.Quality;

/// <summary>
/// Command line: [--runs N] [--warmup N] [--profile-runs N] [--db FILE] [--keep] [--predictions-all] [--analyze] [--skip-profile] [--checks-only] [--dump-reports FILE]
/// </summary>
public sealed record BenchArguments
{
    /// <summary>Timed runs per scenario (median and nearest-rank P95 over these).</summary>
    public int Runs { get; init; } = 15;
    public int Warmup { get; init; } = 1;
    /// <summary>Timed runs per SQL statement in the per-statement breakdown.</summary>
    public int ProfileRuns { get; init; } = 1;
    /// <summary>Reuse an already seeded file instead of seeding (it is then never deleted).</summary>
    public string? Database { get; init; }
    /// <summary>Keep the seeded file (its path is printed) for a later --db run.</summary>
    public bool Keep { get; init; }
    public bool PredictionsForAllItems { get; init; }
    /// <summary>Run ANALYZE before timing. The app never does; this shows what statistics would change.</summary>
    public bool Analyze { get; init; }
    public bool SkipProfile { get; init; }
    /// <summary>Seed (or reuse) and read back, no timings.</summary>
    public bool ChecksOnly { get; init; }
    /// <summary>Write the three reports of the read-back as JSON here (to compare two builds' answers on one file).</summary>
    public string? DumpReports { get; init; }

    public static BenchArguments Parse(string[] args)
    {
        var parsed = new BenchArguments();
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            parsed = args[i] switch
            {
                "--runs" => parsed with { Runs = int.Parse(Value(), CultureInfo.InvariantCulture) },
                "--warmup" => parsed with { Warmup = int.Parse(Value(), CultureInfo.InvariantCulture) },
                "--profile-runs" => parsed with { ProfileRuns = int.Parse(Value(), CultureInfo.InvariantCulture) },
                "--db" => parsed with { Database = Path.GetFullPath(Value()) },
                "--keep" => parsed with { Keep = true },
                "--predictions-all" => parsed with { PredictionsForAllItems = true },
                "--analyze" => parsed with { Analyze = true },
                "--skip-profile" => parsed with { SkipProfile = true },
                "--checks-only" => parsed with { ChecksOnly = true },
                "--dump-reports" => parsed with { DumpReports = Path.GetFullPath(Value()) },
                var other => throw new ArgumentException($"Unknown argument '{other}'. See BenchArguments.cs."),
            };
        }
        return parsed;
    }

    public static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Returns.Grader.sln")))
            {
                return dir.FullName;
            }
        }
        return Directory.GetCurrentDirectory();
    }
}
