namespace Returns.Grader.Bench.Vision;

public sealed record BenchArguments(string ModelDirectory, bool Quick, ISet<string> Skip, string? MemoryProbeMode, string? PhotoPath, int Concurrency, IReadOnlyDictionary<string, string> AppEnvironment)
{
    public const string DefaultModel = "models/grader-vit-v1";

    public static readonly string[] Sections = ["bdn", "python", "inference", "cpu", "memory", "api"];

    public static BenchArguments Parse(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        string model = DefaultModel;
        string? probe = null, photo = null;
        var quick = false;
        var concurrency = 8;
        var skip = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var appEnvironment = new Dictionary<string, string>();
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
                    foreach (var section in Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        if (!Sections.Contains(section, StringComparer.OrdinalIgnoreCase))
                        {
                            throw new ArgumentException($"Unknown section '{section}'; sections: {string.Join(", ", Sections)}.");
                        }
                        skip.Add(section);
                    }
                    break;
                case "--app-env": // experiments: an extra KEY=VALUE for the app in the API section (e.g. DOTNET_gcServer=0)
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
                    throw new ArgumentException($"Unknown argument '{args[i]}'. Use --model DIR, --quick, --skip {string.Join(",", Sections)}, --app-env KEY=VALUE.");
            }
        }
        return new BenchArguments(model, quick, skip, probe, photo, concurrency, appEnvironment);
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
