using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Returns.Grader.Web.Features.Grading;

/// <summary>Section "Grader:Rubric".</summary>
public sealed class RubricOptions
{
    public const string Section = "Grader:Rubric";

    /// <summary>The rubric version stamped on new decisions.</summary>
    [Required(AllowEmptyStrings = false)]
    public string ActiveVersion { get; set; } = "v1";
}

/// <summary>Every rubric version shipped with the app (embedded Rubrics/rubric-*.json), and the active one.</summary>
public sealed class RubricCatalog
{
    private readonly Dictionary<string, Rubric> _byVersion;

    public RubricCatalog(IOptions<RubricOptions> options)
    {
        var assembly = typeof(RubricCatalog).Assembly;
        _byVersion = assembly.GetManifestResourceNames()
            .Where(name => name.Contains(".Rubrics.rubric-", StringComparison.Ordinal) && name.EndsWith(".json", StringComparison.Ordinal))
            .Select(name =>
            {
                using var stream = assembly.GetManifestResourceStream(name)!;
                using var reader = new StreamReader(stream);
                return Rubric.Parse(reader.ReadToEnd());
            })
            .ToDictionary(r => r.Version, StringComparer.OrdinalIgnoreCase);

        var active = options.Value.ActiveVersion;
        Active = _byVersion.TryGetValue(active, out var rubric)
            ? rubric
            : throw new OptionsValidationException(RubricOptions.Section, typeof(RubricOptions),
                [$"Grader:Rubric:ActiveVersion '{active}' is not a shipped rubric (shipped: {string.Join(", ", _byVersion.Keys)})."]);
    }

    public Rubric Active { get; }

    public IReadOnlyCollection<string> Versions => _byVersion.Keys;

    public Rubric? Find(string version) => _byVersion.GetValueOrDefault(version);
}
