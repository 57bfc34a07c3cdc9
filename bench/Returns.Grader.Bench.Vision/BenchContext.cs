using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Returns.Grader.Bench.Vision;

/// <summary>What every section needs: where things are, how many runs, and the report being written.</summary>
public sealed class BenchContext
{
    public required string RepoRoot { get; init; }

    /// <summary>Absolute model folder (model.json + model.onnx; model.pt for the Python baseline).</summary>
    public required string ModelDirectory { get; init; }

    public required string PhotoPath { get; init; }

    public required byte[] Photo { get; init; }

    /// <summary>BenchmarkDotNet.Artifacts/vision: generated input, BenchmarkDotNet's own files, logs, results.</summary>
    public required string Artifacts { get; init; }

    /// <summary>Smoke run: a few runs per measurement, for developing on a busy machine. Not for reported numbers.</summary>
    public bool Quick { get; init; }

    public required ISet<string> Skip { get; init; }

    /// <summary>Extra environment for the app that the API section starts (experiments only; the report names them).</summary>
    public IReadOnlyDictionary<string, string> AppEnvironment { get; init; } = new Dictionary<string, string>();

    /// <summary>Photos/s the load section offers, one step each (--load-rates).</summary>
    public IReadOnlyList<double> LoadRates { get; init; } = [1, 2, 3, 4, 5, 6, 8];

    /// <summary>Measured seconds per rate in the load section, after its warm-up (--load-seconds).</summary>
    public int LoadSeconds { get; init; } = 30;

    public StringBuilder Report { get; } = new();

    /// <summary>bench/python/baseline.py's output by torch thread count, when it ran.</summary>
    public Dictionary<int, JsonElement> PythonBaselines { get; } = [];

    /// <summary>The API section's upload times, for the targets table.</summary>
    public Measurement.Timing? ApiUpload { get; set; }

    public int Runs(int full, int quick) => Quick ? quick : full;

    public bool Enabled(string section) => !Skip.Contains(section);

    /// <summary>A line for the markdown report (also echoed to the console).</summary>
    public void Md(string line = "")
    {
        Report.AppendLine(line);
        Console.WriteLine(line);
    }

    public static string F(double value, string format = "F1") => value.ToString(format, CultureInfo.InvariantCulture);
}
