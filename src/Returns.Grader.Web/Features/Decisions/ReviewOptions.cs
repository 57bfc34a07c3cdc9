using System.ComponentModel.DataAnnotations;

namespace Returns.Grader.Web.Features.Decisions;

/// <summary>Section "Grader:Review": when an item goes to a supervisor, and how the queue behaves. Shown to supervisors.</summary>
public sealed class ReviewOptions
{
    public const string Section = "Grader:Review";

    /// <summary>The model's confidence in its suggested grade below this → review.</summary>
    [Range(0.0, 1.0)]
    public double LowConfidenceThreshold { get; set; } = 0.55;

    /// <summary>The gap between the model's top two grade probabilities below this → review.</summary>
    [Range(0.0, 1.0)]
    public double SmallMarginThreshold { get; set; } = 0.10;

    /// <summary>
    /// An item with a photo unlike the model's training photos (its suggestion is not familiar) → review. Off by default:
    /// the station already grades such items without a prefill; turn it on while a site's photos are still new to the model.
    /// </summary>
    public bool RouteUnfamiliar { get; set; }

    /// <summary>The grader's grade this many grades or more from the model's → review.</summary>
    [Range(1, 4)]
    public int DisagreementGrades { get; set; } = 2;

    /// <summary>Unit value at or above this → review.</summary>
    [Range(typeof(decimal), "0", "10000000")] // a decimal range: an int one converted 99 999 999 999 to int and threw at start
    public decimal HighValueThreshold { get; set; } = 500m;

    /// <summary>Share of each associate's items sampled for audit at random.</summary>
    [Range(0.0, 1.0)]
    public double AuditShare { get; set; } = 0.05;

    /// <summary>Share of items graded blind: the station shows no suggestion, to measure how much graders lean on the model.</summary>
    [Range(0.0, 1.0)]
    public double BlindShare { get; set; } = 0.10;

    /// <summary>How long a claim holds a task before it frees itself.</summary>
    [Range(1, 480)]
    public int LeaseMinutes { get; set; } = 15;

    /// <summary>How soon a task should be decided; the queue shows each task's age against it.</summary>
    [Range(1, 24 * 14)]
    public int TargetHours { get; set; } = 8;
}
