namespace Returns.Grader.Web.Infrastructure;

/// <summary>Folders the app is told to use (its data folder, the export folder), and why one cannot be.</summary>
public static class Folders
{
    /// <summary>
    /// Makes <paramref name="folder"/> if it is not there, or stops the start naming <paramref name="setting"/>: the
    /// data folder and the export folder, each refused the same way (operator pass, 2026-12-05).
    /// </summary>
    /// <param name="purpose">What the folder is for, in words after "cannot be used": "as the data folder".</param>
    public static void MakeOrRefuse(string folder, string setting, string purpose, string section, Type optionsType)
    {
        try
        {
            Directory.CreateDirectory(folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new Microsoft.Extensions.Options.OptionsValidationException(section, optionsType,
                [$"{setting} '{folder}' cannot be used {purpose} ({WhyNotUsable(folder, e)}). Give a folder the app can create and write."]);
        }
    }

    /// <summary>
    /// Why <paramref name="folder"/> could not be made, in words an operator can act on: "Could not find a part of the
    /// path" said nothing when a file stood where a parent folder should be (regression pass, 2026-12-05).
    /// </summary>
    private static string WhyNotUsable(string folder, Exception exception)
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
