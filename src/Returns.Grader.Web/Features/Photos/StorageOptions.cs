using System.ComponentModel.DataAnnotations;

namespace Returns.Grader.Web.Features.Photos;

public enum StorageProvider
{
    /// <summary>Folders under <c>Grader:DataDirectory</c> (photos/, exports/): the embedded default, one machine.</summary>
    FileSystem,

    /// <summary>One Azure Blob Storage container for photos and export packages (ADR 0023).</summary>
    AzureBlob,
}

/// <summary>Section "Grader:Storage": where photos and export packages are kept, and the orphan sweep.</summary>
public sealed class StorageOptions : IValidatableObject
{
    public const string Section = "Grader:Storage";
    public const string ConnectionStringName = "Blobs";

    [EnumDataType(typeof(StorageProvider))]
    public StorageProvider Provider { get; set; } = StorageProvider.FileSystem;

    /// <summary>https://&lt;account&gt;.blob.core.windows.net, signed in with DefaultAzureCredential (managed identity in Azure).</summary>
    public Uri? AccountUrl { get; set; }

    /// <summary>Azure's naming rules: 3-63 lowercase letters, digits and single hyphens.</summary>
    [Required(AllowEmptyStrings = false), RegularExpression("^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$",
        ErrorMessage = "Grader:Storage:Container must be 3-63 lowercase letters, digits and single hyphens (Azure's container naming rules).")]
    public string Container { get; set; } = "grader";

    /// <summary>How often the orphan sweep runs after the one at start.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00", ErrorMessage = "Grader:Storage:SweepInterval must be between 1 minute and 1 day.")]
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// A photo with no row is removed only once it is this old: an upload writes the photo before its row commits, and
    /// no request takes anywhere near this long, so a photo whose row is about to be committed is never touched.
    /// </summary>
    [Range(typeof(TimeSpan), "00:10:00", "30.00:00:00", ErrorMessage = "Grader:Storage:OrphanMinAge must be between 10 minutes and 30 days.")]
    public TimeSpan OrphanMinAge { get; set; } = TimeSpan.FromHours(1);

    /// <summary>ConnectionStrings:Blobs (bound by the registration; a secret, never in the section itself).</summary>
    public string? ConnectionString { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Provider != StorageProvider.AzureBlob)
        {
            yield break;
        }
        var hasConnectionString = !string.IsNullOrWhiteSpace(ConnectionString);
        if (!hasConnectionString && AccountUrl is null)
        {
            yield return new ValidationResult(
                "Grader:Storage:Provider is AzureBlob but neither ConnectionStrings:Blobs nor Grader:Storage:AccountUrl is set.",
                [nameof(AccountUrl)]);
        }
        else if (hasConnectionString && AccountUrl is not null)
        {
            yield return new ValidationResult(
                "Set either ConnectionStrings:Blobs or Grader:Storage:AccountUrl, not both: it would be unclear which account is used.",
                [nameof(AccountUrl)]);
        }
        else if (AccountUrl is { } url && (!url.IsAbsoluteUri || url.Scheme != Uri.UriSchemeHttps))
        {
            // DefaultAzureCredential's tokens are only ever sent over TLS.
            yield return new ValidationResult("Grader:Storage:AccountUrl must be an absolute https:// address, e.g. https://<account>.blob.core.windows.net.",
                [nameof(AccountUrl)]);
        }
    }
}
