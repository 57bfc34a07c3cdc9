using Returns.Grader.Web.Data;
using Returns.Grader.Web.Features.Grading;

namespace Returns.Grader.Web.Features.Exports;

/// <summary>
/// An exported item: its label as of the snapshot, and the damage recorded for it (boxed or not). How much the label
/// says travels with it: the supervisor's reason for a final label, and for a station label whether its grade was the
/// model's prefill left untouched (a confirmation, weaker evidence than a choice when the model is judged on it) and
/// whether it was given blind (no suggestion shown); and whether the disposition was filled in (the site's rules for the
/// grade) and left as it was (labels.csv only: the one format with dispositions).
/// </summary>
internal sealed record ExportedItem(
    string ItemId, string ReturnId, string Category, string Split, Grade Grade, Disposition Disposition, DecisionKind Kind,
    string LabelledBy, string LabelledUtc, int SeverityPoints, IReadOnlyList<DamageType> Damage,
    string? ReasonCode, bool GradePrefilled, bool Blind, bool DispositionPrefilled)
{
    public string GradeName => Enum.GetName(Grade)!;

    /// <summary>"final" for a supervisor's label, "station" for an associate's.</summary>
    public string LabelKind => Kind == DecisionKind.Review ? "final" : "station";
}

/// <summary>A damage box in the stored photo's pixels, clamped to the photo.</summary>
/// <summary>A box as exported. <see cref="Source"/>: "model" for the model's box a person left as suggested (not
/// checked one by one, like a prefilled grade), else accepted, edited or added by a person.</summary>
internal readonly record struct DamageBox(DamageType Type, int X, int Y, int Width, int Height, RegionSource Source);

/// <summary>One exported photo of an item: where it is in the package, its boxes, and the model that suggested on it.</summary>
internal sealed record ExportedPhoto(
    ExportedItem Item, Guid PhotoId, string FileName, int Width, int Height, int View, IReadOnlyList<DamageBox> Boxes, string? ModelVersion)
{
    /// <summary>The photo's path under images/ (split/file).</summary>
    public string PathInImages => $"{Item.Split}/{FileName}";
}

/// <summary>What every format's closing entry may need to know of the package.</summary>
internal sealed record PackageHeader(string Root, string Name, string CreatedUtc, Rubric Rubric);
