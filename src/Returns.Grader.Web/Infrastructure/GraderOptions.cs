using System.ComponentModel.DataAnnotations;

namespace Returns.Grader.Web.Infrastructure;

/// <summary>Section "Grader": where the embedded default keeps its files.</summary>
public sealed class GraderOptions
{
    public const string Section = "Grader";

    /// <summary>Folder for the SQLite database and the photo folder; relative paths are under the content root.</summary>
    [Required(AllowEmptyStrings = false)]
    public string DataDirectory { get; set; } = "App_Data";

    public string ResolveDataDirectory(string contentRoot) =>
        Path.GetFullPath(Path.IsPathRooted(DataDirectory) ? DataDirectory : Path.Combine(contentRoot, DataDirectory));
}
