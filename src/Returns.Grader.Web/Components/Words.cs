using Returns.Grader.Web.Data;

namespace Returns.Grader.Web.Components;

/// <summary>
/// Every code the app stores, in the words people read on a page (issue 17: "InReview", "LowConfidence", "wrong_grade"
/// and "resell_used" were shown as they are stored). The one place pages get them from; the API keeps the codes.
/// </summary>
public static class Words
{
    public static string Of(Grade grade) => grade switch
    {
        Grade.LikeNew => "Like new",
        Grade.VeryGood => "Very good",
        Grade.Good => "Good",
        Grade.Acceptable => "Acceptable",
        Grade.Unsellable => "Unsellable",
        _ => grade.ToString(),
    };

    public static string Of(DamageType type) => type switch
    {
        DamageType.MissingPart => "Missing part",
        _ => type.ToString(),
    };

    public static string Of(Disposition disposition) => disposition switch
    {
        Disposition.Restock => "Restock",
        Disposition.ResellUsed => "Resell used",
        Disposition.Refurbish => "Refurbish",
        Disposition.Liquidate => "Liquidate",
        Disposition.Donate => "Donate",
        Disposition.Recycle => "Recycle",
        Disposition.ReturnToVendor => "Return to vendor",
        _ => disposition.ToString(),
    };

    /// <summary>The first letters of a list's options as it shows them ("rld" for the dispositions): the keys the list
    /// keeps (list-keys.js), any other key being kept from it.</summary>
    public static string Initials(IEnumerable<string> options) => string.Concat(options.Select(o => char.ToLowerInvariant(o[0])).Distinct());

    public static string DispositionInitials { get; } = Initials(Enum.GetValues<Disposition>().Select(Of));

    public static string DamageTypeInitials { get; } = Initials(Enum.GetValues<DamageType>().Select(Of));

    public static string Of(PhotoSetAsideReason reason) => reason switch
    {
        PhotoSetAsideReason.WrongItem => "Shows another item",
        PhotoSetAsideReason.Unusable => "Shows nothing to grade",
        _ => reason.ToString(),
    };

    public static string Of(ItemStatus status) => status switch
    {
        ItemStatus.Received => "Not graded yet",
        ItemStatus.Graded => "Graded",
        ItemStatus.InReview => "With a supervisor",
        ItemStatus.Final => "Final",
        _ => status.ToString(),
    };

    public static string Of(ExportStatus status) => status switch
    {
        ExportStatus.Queued => "Waiting",
        ExportStatus.Running => "Running",
        ExportStatus.Completed => "Done",
        ExportStatus.Failed => "Failed",
        ExportStatus.Cancelled => "Cancelled",
        _ => status.ToString(),
    };

    public static string Of(ModelState state) => state switch
    {
        ModelState.Shadow => "In shadow",
        ModelState.Active => "Active",
        ModelState.Retired => "Retired",
        _ => state.ToString(),
    };

    public static string Of(DecisionKind kind) => kind switch
    {
        DecisionKind.Station => "Graded",
        DecisionKind.Correction => "Corrected",
        DecisionKind.Review => "Supervisor's decision",
        _ => kind.ToString(),
    };

    public static string Of(ReviewReason reason) => reason switch
    {
        ReviewReason.LowConfidence => "Model unsure",
        ReviewReason.SmallMargin => "Close call between two grades",
        ReviewReason.DisagreesWithModel => "Grader and model disagree",
        ReviewReason.ContradictsRubric => "Grade differs from the rubric",
        ReviewReason.HighValue => "High value",
        ReviewReason.Flagged => "Flagged by the grader",
        ReviewReason.AuditSample => "Random audit",
        ReviewReason.Unfamiliar => "Photos unlike the model's",
        _ => reason.ToString(),
    };

    /// <summary>
    /// What the grader did with a boxed region, as a supervisor reads it beside the box (the review page lists the
    /// grader's drawn, kept, changed and rejected boxes; alike, they hid what the grader had judged).
    /// </summary>
    public static string GradersRegion(RegionSource source) => source switch
    {
        RegionSource.Added => "drawn by the grader",
        RegionSource.Accepted => "the model's, accepted by the grader",
        RegionSource.Model => "the model's, left as suggested by the grader",
        RegionSource.Edited => "the model's, moved or retyped by the grader",
        RegionSource.Deleted => "the model's, rejected by the grader as not damage",
        _ => "the model's",
    };

    public static string Of(IEnumerable<ReviewReason> reasons) => string.Join(", ", reasons.Select(Of));

    /// <summary>A review reason as reports carry it (the enum's name), in words; the text as it is when it is not one.</summary>
    public static string ReviewReasonNamed(string name) => Enum.TryParse<ReviewReason>(name, out var reason) ? Of(reason) : name;

    /// <summary>A damage type as reports carry it (its wire name, "missing_part"), in words; the text as it is when it is not one.</summary>
    public static string DamageTypeNamed(string wireName) => Infrastructure.WireName<DamageType>.TryParse(wireName, out var type) ? Of(type) : wireName;

    /// <summary>An app role (Auth.Roles) as people say it.</summary>
    public static string Role(string? role) => role switch
    {
        Auth.Roles.DataScientist => "Data scientist",
        null => "",
        _ => role,
    };

    /// <summary>A supervisor's reason code (Review.ReviewReasonCodes), or the text as it is when it is not one.</summary>
    public static string ReasonCode(string? code) => code switch
    {
        "approved" => "Approved",
        "wrong_grade" => "Wrong grade",
        "missed_damage" => "Missed damage",
        // Its first letter is its code's: the list (MudSelect) chooses an option by the first letter of its value, and
        // "Damage that is not there" could not be reached by D (exploratory pass, 2026-12-06).
        "false_damage" => "False damage (not there)",
        "wrong_disposition" => "Wrong disposition",
        "photo_quality" => "Photo quality",
        "other" => "Other",
        null => "",
        _ => code,
    };

    /// <summary>"1 photo", "2 photos": a count with its noun (regular plurals only).</summary>
    public static string Count(long count, string noun) => count == 1 ? $"1 {noun}" : $"{count} {noun}s";

    /// <summary>Photo-quality warnings (Vision.PhotoQuality) as the associate reads them: "is too dark", "is blurred".</summary>
    public static string PhotoWarnings(IEnumerable<string> warnings) => string.Join(" and ", warnings.Select(w => w switch
    {
        "dark" => "is too dark to judge damage on",
        "blurred" => "is blurred",
        "overexposed" => "is so bright that parts are washed out to white",
        "small" => "shows the item too small to judge damage on",
        _ => $"has a problem ({w})",
    }));

    /// <summary>The same warnings in the few words that fit on the photo's thumbnail: "Too dark, blurred".</summary>
    public static string PhotoWarningsShort(IEnumerable<string> warnings)
    {
        var words = string.Join(", ", warnings.Select(w => w switch
        {
            "dark" => "too dark",
            "blurred" => "blurred",
            "overexposed" => "washed out",
            "small" => "item too small",
            _ => w,
        }));
        return words.Length == 0 ? words : char.ToUpperInvariant(words[0]) + words[1..];
    }
}
