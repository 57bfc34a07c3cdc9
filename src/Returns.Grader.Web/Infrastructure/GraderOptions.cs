using System.ComponentModel.DataAnnotations;

namespace Returns.Grader.Web.Infrastructure;

/// <summary>Section "Grader": where the embedded default keeps its files, and the site's clock.</summary>
public sealed class GraderOptions : IValidatableObject
{
    public const string Section = "Grader";

    /// <summary>Folder for the SQLite database and the photo folder; relative paths are under the content root.</summary>
    [Required(AllowEmptyStrings = false)]
    public string DataDirectory { get; set; } = "App_Data";

    /// <summary>
    /// The warehouse's time zone (an IANA id such as "America/Chicago"), in which pages show times: a cloud host runs in
    /// UTC, and an associate in Chicago read a lease "until 14:05" that ended at 08:05 their time. Unset: the server's.
    /// </summary>
    public string? TimeZone { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (TimeZone is { } zone && !TimeZoneInfo.TryFindSystemTimeZoneById(zone, out _))
        {
            yield return new ValidationResult($"{Section}:TimeZone '{zone}' is not a time zone this server knows (use an IANA id such as Europe/Berlin).", [nameof(TimeZone)]);
        }
    }

    public string ResolveDataDirectory(string contentRoot) =>
        Path.GetFullPath(Path.IsPathRooted(DataDirectory) ? DataDirectory : Path.Combine(contentRoot, DataDirectory));
}
