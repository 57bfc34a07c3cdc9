using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Returns.Grader.Web.Features.Exports;

/// <summary>
/// What to export (the body of <c>POST /api/v1/exports</c>). Every field is optional; times without a zone are UTC.
/// </summary>
/// <param name="From">Labels decided at or after this time.</param>
/// <param name="To">Labels decided before this time.</param>
/// <param name="Categories">Only items of these categories.</param>
/// <param name="Labels"><c>all</c> (default): every graded item with its current label, final or not; <c>final</c>: only
/// items a supervisor decided.</param>
/// <param name="ModelVersion">Only items with a photo under their label (kept before it was given) that this model made a
/// (non-shadow) prediction on by the time the export started.</param>
/// <param name="RubricVersion">Only labels decided under this rubric version.</param>
/// <param name="Formats">Which label formats the package carries (<see cref="PackageFormats.All"/>, the default: all of
/// them). The training kit reads <c>coco</c> and <c>huggingface</c>.</param>
public sealed record ExportRequest(
    DateTime? From = null, DateTime? To = null, IReadOnlyList<string>? Categories = null, string? Labels = null,
    string? ModelVersion = null, string? RubricVersion = null, IReadOnlyList<string>? Formats = null);

/// <summary>The label formats a package can carry, by the names the API and package.json use.</summary>
public static class PackageFormats
{
    public const string Coco = "coco";
    public const string HuggingFace = "huggingface";
    public const string SageMaker = "sagemaker";
    public const string Csv = "csv";

    public static readonly IReadOnlyList<string> All = [Coco, HuggingFace, SageMaker, Csv];

    /// <summary>What the training kit (models/training) needs to read a package.</summary>
    public static readonly IReadOnlyList<string> ForTraining = [Coco, HuggingFace];
}

/// <summary>An <see cref="ExportRequest"/> checked and normalized; stored on the job as JSON.</summary>
/// <param name="Formats">Null on jobs stored before formats could be chosen: all of them.</param>
public sealed record ExportFilter(
    DateTime? From, DateTime? To, IReadOnlyList<string> Categories, bool FinalOnly, string? ModelVersion, string? RubricVersion,
    IReadOnlyList<string>? Formats = null)
{
    public const string AllLabels = "all";
    public const string FinalLabels = "final";

    /// <summary>The formats the package carries, in <see cref="PackageFormats.All"/>'s order.</summary>
    public IReadOnlyList<string> IncludedFormats => Formats ?? PackageFormats.All;

    /// <summary>True when the training kit can read the package (it carries COCO and Hugging Face).</summary>
    public bool Trainable => PackageFormats.ForTraining.All(IncludedFormats.Contains);

    /// <summary>Checks a request; the errors are in plain words, keyed by field (an RFC 7807 validation problem).</summary>
    public static ExportFilter Parse(ExportRequest? request, out Dictionary<string, string[]> errors)
    {
        request ??= new ExportRequest();
        errors = [];
        var from = Infrastructure.ApiTimes.AssumeUtc(request.From);
        var to = Infrastructure.ApiTimes.AssumeUtc(request.To);
        if (Infrastructure.ApiTimes.EndsBeforeItStarts(from, to))
        {
            errors["to"] = [Infrastructure.ApiTimes.RangeReversed];
        }
        var labels = string.IsNullOrWhiteSpace(request.Labels) ? AllLabels : request.Labels.Trim().ToLowerInvariant();
        if (labels is not (AllLabels or FinalLabels))
        {
            errors["labels"] = [$"'labels' is '{AllLabels}' (every graded item) or '{FinalLabels}' (supervisor-decided items only)."];
        }
        // An empty entry is refused, not dropped: ["" ] or [null] became "no category filter", and the export took every
        // category (API fuzz, 2026-12-06). The page sends only what was typed between its commas.
        for (var i = 0; i < (request.Categories?.Count ?? 0); i++)
        {
            if (string.IsNullOrWhiteSpace(request.Categories![i]))
            {
                errors[$"categories[{i}]"] = ["A category cannot be empty: leave it out, or leave out 'categories' to export every category."];
            }
        }
        var categories = (request.Categories ?? []).Where(c => !string.IsNullOrWhiteSpace(c)).Select(c => c.Trim()).Distinct().Order(StringComparer.Ordinal).ToList();
        // "In all" as stored (ExportJobs.Json), which is what the column holds; a quote or a backslash counts twice there.
        if (categories.Count > 50 || categories.Any(c => c.Length > 100) || categories.Sum(c => ExportJobs.StoredLength(c) + 3) > 3000)
        {
            errors["categories"] = ["At most 50 categories of at most 100 characters each (3,000 characters in all as stored: a quote or a backslash counts twice, a control character or an emoji more)."];
        }
        static string? Text(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
        if (Text(request.ModelVersion) is { Length: > 100 })
        {
            errors["modelVersion"] = ["A model version is at most 100 characters (name@version)."];
        }
        if (Text(request.RubricVersion) is { Length: > 20 })
        {
            errors["rubricVersion"] = ["A rubric version is at most 20 characters (e.g. v1)."];
        }
        var formats = PackageFormats.All;
        if (request.Formats is { } asked)
        {
            var names = asked.Select(f => f?.Trim().ToLowerInvariant() ?? "").ToList();
            var unknown = names.Where(n => !PackageFormats.All.Contains(n)).Distinct().ToList();
            if (unknown.Count > 0 || names.Count == 0)
            {
                errors["formats"] = [(unknown.Count > 0 ? $"Unknown format '{string.Join("', '", unknown)}'. " : "Choose at least one format. ")
                    + $"The formats are {string.Join(", ", PackageFormats.All)}."];
            }
            formats = [.. PackageFormats.All.Where(names.Contains)];
        }
        return new ExportFilter(from, to, categories, labels == FinalLabels, Text(request.ModelVersion), Text(request.RubricVersion),
            formats.Count == PackageFormats.All.Count ? null : formats);
    }

    /// <summary>One line for the card and package.json.</summary>
    public string Describe()
    {
        var parts = new List<string> { FinalOnly ? "final labels only" : "all current labels" };
        if (From is { } f)
        {
            // invariant: ':' in a format is the culture's time separator ("00.00.00" on a fi-FI host)
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"decided from {f:yyyy-MM-ddTHH:mm:ssZ}"));
        }
        if (To is { } t)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"decided before {t:yyyy-MM-ddTHH:mm:ssZ}"));
        }
        if (Categories.Count > 0)
        {
            parts.Add($"categories {string.Join(", ", Categories)}");
        }
        if (ModelVersion is not null)
        {
            parts.Add($"photos seen by model {ModelVersion}");
        }
        if (RubricVersion is not null)
        {
            parts.Add($"rubric {RubricVersion}");
        }
        if (Formats is not null)
        {
            parts.Add($"formats {string.Join(", ", Formats)}");
        }
        return string.Join("; ", parts);
    }
}

/// <summary>The split rule of docs/dataset-package.md: a pure function of the item id, the same in Python and C#.</summary>
public static class DatasetSplits
{
    public const string Train = "train";
    public const string Validation = "validation";
    public const string Test = "test";

    public static readonly string[] All = [Train, Validation, Test];

    public static string Of(string itemId)
    {
        ArgumentNullException.ThrowIfNull(itemId);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(itemId), hash);
        // The first 8 hex digits are the first 4 bytes, big-endian.
        var bucket = ((uint)hash[0] << 24 | (uint)hash[1] << 16 | (uint)hash[2] << 8 | hash[3]) % 100;
        return bucket < 80 ? Train : bucket < 90 ? Validation : Test;
    }
}
