namespace Returns.Grader.Bench.Quality;

/// <summary>What the numbers ran on, and what else ran beside them (Linux /proc).</summary>
public static class Machine
{
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    public static string Describe()
    {
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        var memory = File.Exists("/proc/meminfo")
            ? File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        return $"{Environment.ProcessorCount} cores ({cpu ?? "unknown CPU"}), {memory ?? "unknown"} memory";
    }

    /// <summary>Processes beside the bench that are known to load the box (the model's training, other benches).</summary>
    public static string OtherLoad()
    {
        var others = new List<string>();
        foreach (var dir in Directory.Exists("/proc") ? Directory.EnumerateDirectories("/proc") : [])
        {
            var pid = Path.GetFileName(dir);
            if (!int.TryParse(pid, out var id) || id == Environment.ProcessId)
            {
                continue;
            }
            string command;
            try
            {
                command = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ').Trim();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }
            if (command.Contains("train.py", StringComparison.Ordinal))
            {
                others.Add($"train.py (pid {pid})");
            }
            else if (command.Contains("Returns.Grader.Bench.", StringComparison.Ordinal) && !command.Contains("Bench.Quality", StringComparison.Ordinal))
            {
                others.Add($"another bench (pid {pid})");
            }
        }
        return others.Count == 0 ? "nothing else known running" : "also running: " + string.Join(", ", others.Distinct());
    }
}
