using System.Text.Json;
using Returns.Grader.Web.Data;

namespace Returns.Grader.Web.Features.Grading;

/// <summary>
/// A version of the business's grading standard, loaded from data (Rubrics/rubric-*.json), never hard-coded:
/// points per damage type, and the grade each band of total points gives.
/// </summary>
public sealed class Rubric
{
    private readonly IReadOnlyDictionary<DamageType, int> _points;
    private readonly IReadOnlyList<(int MinPoints, Grade Grade)> _bands;

    private Rubric(string version, IReadOnlyDictionary<DamageType, int> points, IReadOnlyList<(int, Grade)> bands)
    {
        Version = version;
        _points = points;
        _bands = bands;
    }

    public string Version { get; }

    public int PointsOf(DamageType type) => _points[type];

    public int PointsFor(IEnumerable<DamageType> damage) => damage.Sum(type => _points[type]);

    /// <summary>
    /// An item's damage as the rubric counts it (ADR 0036): boxes of one type drawn on several photos count as often as
    /// on the photo that shows most of them — one dent photographed from two sides is one dent, the rule the model's item
    /// suggestion follows (Suggestions.ForItem) — and marks without a box count each. Summed over the photos instead, the
    /// station prefilled the model's grade and then called it a contradiction of the rubric.
    /// </summary>
    public static IReadOnlyList<DamageType> Counted(IEnumerable<(Guid PhotoId, DamageType Type)> boxes, IEnumerable<DamageType> marks) =>
    [
        .. boxes.GroupBy(box => box.Type).SelectMany(type => Enumerable.Repeat(type.Key, type.GroupBy(box => box.PhotoId).Max(photo => photo.Count()))),
        .. marks,
    ];

    /// <summary>The same, for damage as it is stored: a box is damage with a photo and a box; the rest are marks.</summary>
    public static IReadOnlyList<DamageType> Counted(IReadOnlyCollection<(Guid? PhotoId, bool Boxed, DamageType Type)> damage) =>
        Counted(damage.Where(d => d.Boxed && d.PhotoId is not null).Select(d => (d.PhotoId!.Value, d.Type)),
            damage.Where(d => !d.Boxed || d.PhotoId is null).Select(d => d.Type));

    public Grade GradeForPoints(int points)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(points);
        return _bands.Last(band => points >= band.MinPoints).Grade;
    }

    public Grade GradeFor(IEnumerable<DamageType> damage) => GradeForPoints(PointsFor(damage));

    /// <summary>The chosen grade disagrees with what the marked damage scores. The station asks for a reason; it does not block.</summary>
    public bool Contradicts(Grade chosen, IEnumerable<DamageType> damage) => chosen != GradeFor(damage);

    public static Rubric Parse(string json)
    {
        var file = JsonSerializer.Deserialize<RubricFile>(json, JsonSerializerOptions.Web)
            ?? throw new InvalidDataException("The rubric file is empty.");
        if (string.IsNullOrWhiteSpace(file.Version))
        {
            throw new InvalidDataException("The rubric has no version.");
        }
        var missing = Enum.GetValues<DamageType>().Where(t => !file.DamagePoints.ContainsKey(t)).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidDataException($"Rubric {file.Version} gives no points for: {string.Join(", ", missing)}.");
        }
        if (file.DamagePoints.Values.Any(p => p < 0))
        {
            throw new InvalidDataException($"Rubric {file.Version} has negative points.");
        }
        var bands = file.GradeBands.OrderBy(b => b.MinPoints).Select(b => (b.MinPoints, b.Grade)).ToList();
        if (bands.Count == 0 || bands[0].MinPoints != 0)
        {
            throw new InvalidDataException($"Rubric {file.Version} must have a grade band starting at 0 points.");
        }
        if (bands.Select(b => b.MinPoints).Distinct().Count() != bands.Count
            || bands.Zip(bands.Skip(1)).Any(pair => pair.First.Grade >= pair.Second.Grade))
        {
            throw new InvalidDataException($"Rubric {file.Version}: more points must always give a worse grade.");
        }
        return new Rubric(file.Version, file.DamagePoints, bands);
    }

    private sealed record RubricFile(string Version, Dictionary<DamageType, int> DamagePoints, List<RubricBand> GradeBands);

    private sealed record RubricBand(int MinPoints, Grade Grade);
}
