namespace Returns.Grader.Web.Infrastructure;

/// <summary>Folders the app is told to use (its data folder, the export folder), and why one cannot be.</summary>
public static class Folders
{
    /// <summary>
    /// Why <paramref name="folder"/> could not be made, in words an operator can act on: "Could not find a part of the
    /// path" said nothing when a file stood where a parent folder should be (regression pass, 2026-12-05).
    /// </summary>
    public static string WhyNotUsable(string folder, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        for (var path = folder; !string.IsNullOrEmpty(path); path = Path.GetDirectoryName(path))
        {
            if (File.Exists(path))
            {
                return $"'{path}' is a file, not a folder";
            }
            if (Directory.Exists(path))
            {
                break;
            }
        }
        return exception.Message;
    }
}
