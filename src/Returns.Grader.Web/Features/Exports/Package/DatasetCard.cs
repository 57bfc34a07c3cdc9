using System.Globalization;
using System.Text;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Infrastructure;

namespace Returns.Grader.Web.Features.Exports;

/// <summary><c>dataset_card.md</c>: what the package holds, how it was cut, its counts and known gaps, in words.</summary>
internal static class DatasetCard
{
    /// <summary>
    /// Text people typed (a sign-in name, the filter's categories and versions) as plain text in Markdown: HTML and
    /// Markdown's marks escaped, so a hub or wiki that renders the card shows "&lt;img …&gt;" instead of running it
    /// (security pass, 2026-12-05).
    /// </summary>
    public static string Plain(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var plain = new StringBuilder(text.Length);
        foreach (var ch in text)
        {
            plain.Append(ch switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '\\' or '`' or '*' or '_' or '[' or ']' or '(' or ')' or '#' or '|' or '!' => $"\\{ch}",
                _ => ch.ToString(),
            });
        }
        return plain.ToString();
    }

    public static string Write(string name, PackageTally tally, ExportJob job, ExportFilter filter, string rubricVersion)
    {
        var card = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        card.AppendLine(c, $"# {name}");
        card.AppendLine();
        card.AppendLine(c, $"Returned-item photos and the condition grades people confirmed for them, exported by Returns.Grader on {job.CreatedAt:yyyy-MM-dd HH:mm} UTC at the request of {Plain(job.RequestedByName)} (export {job.Id}).");
        card.AppendLine();
        card.AppendLine("## What is in it");
        card.AppendLine(c, $"- Filter: {Plain(filter.Describe())}.");
        card.AppendLine(c, $"- Snapshot: labels decided up to {job.CreatedAt:yyyy-MM-dd HH:mm:ss} UTC; each item with the photos kept by the time its label was given (a photo added later was not seen by whoever gave it).");
        card.AppendLine(c, $"- Rubric: {rubricVersion}{(tally.PerRubric.Count > 1 ? $" — **labels from several rubrics: {string.Join(", ", tally.PerRubric.Select(r => $"{r.Key} {r.Value:N0} items"))}**" : "")}. Labels: the item's latest grade as of the snapshot — a supervisor's final label where there is one (`label_kind` final), else the associate's (`station`).");
        card.AppendLine("- Photos: the stored, sanitized copies (upright, no metadata), as graders saw them; boxes are in their pixels. Items without a photo are left out.");
        card.AppendLine("- Damage: the regions the grader or supervisor kept, edited or drew; regions they deleted are not exported. Damage marked without a box counts in `damage_counts` and `severity_points` but has no annotation.");
        if (tally.PrefilledGrades > 0)
        {
            card.AppendLine(c, $"- Prefilled grades: {tally.PrefilledGrades:N0} items' grades are the station's suggestion saved as it was (`grade_prefilled`): a confirmation, not a choice. The training kit leaves them out.");
        }
        if (tally.MissingPhotos > 0)
        {
            card.AppendLine(c, $"- **Missing photos: {tally.MissingPhotos:N0} photos of these labels were no longer in the photo store and are left out{(tally.ItemsWithoutStoredPhotos > 0 ? $"; {tally.ItemsWithoutStoredPhotos:N0} items had none left and are not in the package" : "")}.** The app's log names them.");
        }
        var described = new Dictionary<string, string>
        {
            [PackageFormats.Coco] = "`annotations/coco.json` (COCO detection + item grade)",
            [PackageFormats.HuggingFace] = "`images/<split>/metadata.jsonl` (Hugging Face imagefolder)",
            [PackageFormats.SageMaker] = "`annotations/sagemaker.manifest` (SageMaker Ground Truth augmented manifest; `source-ref` under the prefix in package.json)",
            [PackageFormats.Csv] = "`labels.csv` (one row per photo)",
        };
        card.AppendLine(c, $"- Formats: {string.Join(", ", filter.IncludedFormats.Select(f => described[f]))}.");
        if (!filter.Trainable)
        {
            card.AppendLine(c, $"- **Not for the training kit:** models/training reads {string.Join(" and ", PackageFormats.ForTraining)}, which this export left out.");
        }
        card.AppendLine();
        card.AppendLine(c, $"## Counts ({Of(tally.Items, "item", "items")}, {Of(tally.Images, "photo", "photos")}, {Of(tally.Annotations, "box", "boxes")})");
        card.AppendLine();
        card.AppendLine("| split | items | photos | boxes |");
        card.AppendLine("|---|--:|--:|--:|");
        foreach (var (split, s) in tally.PerSplit)
        {
            card.AppendLine(c, $"| {split} | {s.Items:N0} | {s.Images:N0} | {s.Annotations:N0} |");
        }
        card.AppendLine();
        card.AppendLine("| grade | items |");
        card.AppendLine("|---|--:|");
        foreach (var (grade, n) in tally.PerGrade)
        {
            card.AppendLine(c, $"| {grade} | {n:N0} |");
        }
        card.AppendLine();
        card.AppendLine("| damage type | boxes |");
        card.AppendLine("|---|--:|");
        foreach (var (type, n) in tally.PerDamageType)
        {
            card.AppendLine(c, $"| {WireName<DamageType>.Of(type)} | {n:N0} |");
        }
        card.AppendLine();
        card.AppendLine("| category | items |");
        card.AppendLine("|---|--:|");
        foreach (var (category, n) in tally.PerCategory)
        {
            card.AppendLine(c, $"| {Plain(category)} | {n:N0} |");
        }
        card.AppendLine();
        card.AppendLine("| suggested by model version | photos |");
        card.AppendLine("|---|--:|");
        foreach (var (model, n) in tally.PerModel)
        {
            card.AppendLine(c, $"| {Plain(model)} | {n:N0} |");
        }
        card.AppendLine();
        card.AppendLine("## Splits");
        card.AppendLine("By item: sha256 of the item id, first 8 hex digits as uint32 % 100: 0–79 train, 80–89 validation, 90–99 test. All photos of an item are in one split, and an item stays in its split in every export.");
        card.AppendLine();
        card.AppendLine("## Known gaps");
        card.AppendLine("- A photo may not show all of an item's damage (the back of a box shows none of the front's scratches), yet every photo carries the item's grade: label noise the trainer lives with.");
        card.AppendLine("- Station labels are one associate's judgement; only `final` labels were checked by a supervisor.");
        return card.ToString();
    }

    private static string Of(long count, string one, string many) =>
        string.Create(CultureInfo.InvariantCulture, $"{count:N0} {(count == 1 ? one : many)}");
}
