namespace Returns.Grader.Bench.ImageLibraries.Measurement;

/// <summary>
/// Linux resident-set figures from /proc. Managed allocation counters miss what native decoders allocate,
/// which is most of the memory here, so the peak RSS is what tells the libraries apart.
/// </summary>
public static class ProcessMemory
{
    /// <summary>Resets VmHWM to the current RSS (writing 5 to clear_refs); false where the kernel refuses.</summary>
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

    public static long PeakKb() => ReadStatusKb("VmHWM:");

    public static long CurrentKb() => ReadStatusKb("VmRSS:");

    private static long ReadStatusKb(string key)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(key, StringComparison.Ordinal))
            {
                var digits = line[key.Length..].Trim().Split(' ')[0];
                return long.Parse(digits, System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return -1;
    }
}
