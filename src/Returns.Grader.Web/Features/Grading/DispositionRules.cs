using System.ComponentModel.DataAnnotations;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Infrastructure;

namespace Returns.Grader.Web.Features.Grading;

/// <summary>Section "Grader:Dispositions": which next life to suggest for a grade and category. First matching rule wins.</summary>
public sealed class DispositionOptions : IValidatableObject
{
    public const string Section = "Grader:Dispositions";

    public List<DispositionRule> Rules { get; set; } = [];

    /// <summary>Used when no rule matches.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Fallback { get; set; } = "liquidate";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!WireName<Disposition>.TryParse(Fallback, out _))
        {
            yield return new ValidationResult($"Grader:Dispositions:Fallback '{Fallback}' is not a disposition ({string.Join(", ", WireName<Disposition>.All)}).");
        }
        for (var i = 0; i < Rules.Count; i++)
        {
            var rule = Rules[i];
            if (!WireName<Disposition>.TryParse(rule.Disposition, out _))
            {
                yield return new ValidationResult($"Grader:Dispositions:Rules:{i}:Disposition '{rule.Disposition}' is not a disposition.");
            }
            foreach (var grade in rule.Grades.Where(g => !WireName<Grade>.TryParse(g, out _))) // names only, not "3" or "Good,VeryGood"
            {
                yield return new ValidationResult($"Grader:Dispositions:Rules:{i}:Grades has '{grade}', which is not a grade.");
            }
        }
    }
}

public sealed class DispositionRule
{
    /// <summary>Grades the rule applies to; empty means any.</summary>
    public List<string> Grades { get; set; } = [];

    /// <summary>Categories the rule applies to (case-insensitive); empty means any.</summary>
    public List<string> Categories { get; set; } = [];

    public string Disposition { get; set; } = "";
}

/// <summary>Suggests a disposition; the associate can always choose another.</summary>
public static class DispositionSuggester
{
    public static Disposition Suggest(DispositionOptions options, Grade grade, string category)
    {
        foreach (var rule in options.Rules)
        {
            // Read as the start's check reads them (trimmed, any case): "Good " passed the check and then matched nothing
            // (review of the grading rules, 2026-12-06).
            var gradeMatches = rule.Grades.Count == 0 || rule.Grades.Any(g => WireName<Grade>.TryParse(g, out var named) && named == grade);
            var categoryMatches = rule.Categories.Count == 0 || rule.Categories.Any(c => string.Equals(c.Trim(), category.Trim(), StringComparison.OrdinalIgnoreCase));
            if (gradeMatches && categoryMatches && WireName<Disposition>.TryParse(rule.Disposition, out var disposition))
            {
                return disposition;
            }
        }
        return WireName<Disposition>.TryParse(options.Fallback, out var fallback) ? fallback : Disposition.Liquidate;
    }
}
