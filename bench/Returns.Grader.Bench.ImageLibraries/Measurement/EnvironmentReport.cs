using System.Globalization;
using System.Runtime.InteropServices;
using SkiaSharp;

namespace Returns.Grader.Bench.ImageLibraries.Measurement;

/// <summary>What the numbers were measured on, and what each library adds to bin/.</summary>
public static class EnvironmentReport
{
    public static void Write(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.WriteLine("## Environment");
        output.WriteLine($"{RuntimeInformation.OSDescription}, {Environment.ProcessorCount} cores ({CpuModel()}), {TotalMemoryGiB():F0} GiB, .NET {Environment.Version}");
        output.WriteLine($"nice {Nice()}, load average {LoadAverage()}");
        output.WriteLine($"SkiaSharp {Informational(typeof(SKImage))} (native {SkiaSharpVersion.Native}), NetVips {Informational(typeof(NetVips.Image))} (libvips {LibvipsVersion()})");

        output.WriteLine();
        output.WriteLine("## Native size in bin/ (linux-x64)");
        var bin = AppContext.BaseDirectory;
        foreach (var (library, pattern, managed) in new[]
        {
            ("SkiaSharp", "libSkiaSharp.so*", "SkiaSharp.dll"),
            ("NetVips", "libvips*.so*", "NetVips.dll"),
        })
        {
            var native = Directory.GetFiles(bin, pattern);
            var nativeBytes = native.Sum(f => new FileInfo(f).Length);
            var managedPath = Path.Combine(bin, managed);
            var managedBytes = File.Exists(managedPath) ? new FileInfo(managedPath).Length : 0;
            output.WriteLine($"{library}: native {string.Join(" + ", native.Select(Path.GetFileName))} = {nativeBytes / 1048576.0:F1} MB, managed {managed} = {managedBytes / 1048576.0:F2} MB");
        }
    }

    public static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static string LibvipsVersion()
    {
        Pipelines.VipsPipelines.EnsureInitialized();
        return string.Create(CultureInfo.InvariantCulture, $"{NetVips.NetVips.Version(0)}.{NetVips.NetVips.Version(1)}.{NetVips.NetVips.Version(2)}");
    }

    private static string Informational(Type type) =>
        type.Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion.Split('+')[0]
        ?? type.Assembly.GetName().Version?.ToString() ?? "?";

    private static string CpuModel() =>
        File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?"
            : "?";

    private static double TotalMemoryGiB() => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 1073741824.0;

    /// <summary>Field 19 of /proc/self/stat; the name field may contain spaces, so count from its closing ')'.</summary>
    private static string Nice()
    {
        var stat = File.ReadAllText("/proc/self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return fields[16];
    }
}
