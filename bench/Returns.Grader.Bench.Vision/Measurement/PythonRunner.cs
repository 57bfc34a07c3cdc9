using System.Diagnostics;
using System.Text.Json;

namespace Returns.Grader.Bench.Vision.Measurement;

/// <summary>Runs a script of bench/python with /usr/bin/python3 (the interpreter with torch; see shared TOOLCHAIN)
/// and parses the one JSON object it prints.</summary>
public static class PythonRunner
{
    public const string Interpreter = "/usr/bin/python3";

    public static JsonDocument? Run(string repoRoot, string script, IEnumerable<string> arguments, int openBlasThreads, TextWriter log, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(log);
        if (!File.Exists(Interpreter))
        {
            log.WriteLine($"  {Interpreter} is missing: skipped");
            return null;
        }
        var start = new ProcessStartInfo(Interpreter)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = repoRoot,
        };
        start.ArgumentList.Add(Path.Combine(repoRoot, "bench", "python", script));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["OPENBLAS_NUM_THREADS"] = openBlasThreads.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("python3 did not start");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            log.WriteLine($"  {script} ran past {timeout.TotalSeconds:F0} s: stopped");
            return null;
        }
        var output = stdout.Result.Trim();
        if (process.ExitCode != 0 || output.Length == 0)
        {
            log.WriteLine($"  {script} failed (exit {process.ExitCode}): {stderr.Result.Trim()}");
            return null;
        }
        return JsonDocument.Parse(output.Split('\n').Last(line => line.TrimStart().StartsWith('{')));
    }
}
