namespace Returns.Grader.Bench.Vision;

public sealed record BenchArguments(
    string ModelDirectory, bool Quick, ISet<string> Skip, string? MemoryProbeMode, string? PhotoPath, int Concurrency,
    IReadOnlyDictionary<string, string> AppEnvironment, IReadOnlyList<double>? LoadRates, int? LoadSeconds)
{
    public const string DefaultModel = "models/grader-vit-v1";

    /// <summary>Sections by name, for --skip and --only; "checks" (correctness checks + stage breakdown) always ran before "load" existed.</summary>
    public static readonly string[] Sections = ["bdn", "python", "checks", "inference", "cpu", "memory", "api", "load", "scale"];

    public static BenchArguments Parse(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        string model = DefaultModel;
        string? probe = null, photo = null;
        var quick = false;
        var concurrency = 8;
        var skip = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var appEnvironment = new Dictionary<string, string>();
        List<double>? loadRates = null;
        int? loadSeconds = null;
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--model":
                    model = Value();
                    break;
                case "--quick":
                    quick = true;
                    break;
                case "--skip":
                    skip.UnionWith(SectionNames(Value()));
                    break;
                case "--only": // e.g. --only load: every other section (checks included) is skipped
                    skip.UnionWith(Sections.Except(SectionNames(Value()), StringComparer.OrdinalIgnoreCase));
                    break;
                case "--load-rates": // photos/s offered by the load section, e.g. 1,2,3,4,5,6,8
                    loadRates = [.. Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                        .Select(r => double.Parse(r, System.Globalization.CultureInfo.InvariantCulture))];
                    break;
                case "--load-seconds": // measured seconds per rate in the load section, and per uploader count in the scale section
                    loadSeconds = int.Parse(Value(), System.Globalization.CultureInfo.InvariantCulture);
                    break;
                case "--app-env": // an extra KEY=VALUE for the apps the API, load and scale sections start (e.g. DOTNET_gcServer=0; scale: the shared database and store)
                    var pair = Value().Split('=', 2);
                    appEnvironment[pair[0]] = pair.Length > 1 ? pair[1] : "";
                    break;
                case "--memory-probe": // internal: the memory section runs itself in a fresh process
                    probe = Value();
                    break;
                case "--photo":
                    photo = Value();
                    break;
                case "--concurrency":
                    concurrency = int.Parse(Value(), System.Globalization.CultureInfo.InvariantCulture);
                    break;
                default:
                    throw new ArgumentException($"Unknown argument '{args[i]}'. Use --model DIR, --quick, --skip|--only {string.Join(",", Sections)}, --app-env KEY=VALUE, --load-rates R,R,…, --load-seconds N.");
            }
        }
        return new BenchArguments(model, quick, skip, probe, photo, concurrency, appEnvironment, loadRates, loadSeconds);
    }

    private static string[] SectionNames(string list)
    {
        var names = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var section in names)
        {
            if (!Sections.Contains(section, StringComparer.OrdinalIgnoreCase))
            {
                throw new ArgumentException($"Unknown section '{section}'; sections: {string.Join(", ", Sections)}.");
            }
        }
        return names;
    }

    public static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Returns.Grader.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Run from inside the repository (no Returns.Grader.sln above the current directory).");
    }
}
