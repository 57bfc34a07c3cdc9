using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Returns.Grader.Bench.Vision.Measurement;

/// <summary>Linux /proc figures: CPU time, resident memory, load. Native pixels and ONNX Runtime's arenas are most of
/// the memory here, so RSS (not the managed heap) is what counts.</summary>
public static class ProcessStats
{
    public static TimeSpan CpuTime()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }

    /// <summary>Resets VmHWM (peak RSS) to the current RSS; false where the kernel refuses.</summary>
    public static bool TryResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    public static long PeakRssKb() => StatusKb("/proc/self/status", "VmHWM:");

    public static long RssKb() => StatusKb("/proc/self/status", "VmRSS:");

    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    /// <summary>User + system CPU of a process by pid (clock ticks of 10 ms on Linux), or null when it is gone.</summary>
    public static TimeSpan? CpuTimeOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return TimeSpan.FromSeconds(ticks / 100.0);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }

    /// <summary>Peak RSS of another process (kB), or -1.</summary>
    public static long PeakRssKbOf(int pid) => StatusKb($"/proc/{pid}/status", "VmHWM:");

    /// <summary>The pids whose parent is <paramref name="parentPid"/> (e.g. the app under `dotnet run`).</summary>
    public static IReadOnlyList<int> ChildrenOf(int parentPid)
    {
        var children = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (int.Parse(fields[1], CultureInfo.InvariantCulture) == parentPid)
                {
                    children.Add(pid);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // the process ended while we looked
            }
        }
        return children;
    }

    public static string CpuModel() =>
        File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?"
            : "?";

    public static string Describe() =>
        $"{RuntimeInformation.OSDescription}, {Environment.ProcessorCount} cores ({CpuModel()}), .NET {Environment.Version}, nice {Nice()}";

    private static string Nice()
    {
        var stat = File.ReadAllText("/proc/self/stat");
        return stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[16];
    }

    private static long StatusKb(string path, string key)
    {
        try
        {
            foreach (var line in File.ReadLines(path))
            {
                if (line.StartsWith(key, StringComparison.Ordinal))
                {
                    return long.Parse(line[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
        }
        return -1;
    }
}
