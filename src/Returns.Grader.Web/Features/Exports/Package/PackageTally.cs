using Returns.Grader.Web.Data;
using Returns.Grader.Web.Infrastructure;

namespace Returns.Grader.Web.Features.Exports;

/// <summary>The running counts of one package, for package.json's <c>counts</c> and the dataset card.</summary>
internal sealed class PackageTally
{
    private readonly Dictionary<string, (long Items, long Images, long Annotations)> _perSplit = DatasetSplits.All.ToDictionary(s => s, _ => (0L, 0L, 0L));

    public long Items { get; private set; }
    public long Images { get; private set; }
    public long Annotations { get; private set; }
    public IReadOnlyDictionary<string, (long Items, long Images, long Annotations)> PerSplit => _perSplit;
    public Dictionary<string, long> PerGrade { get; } = Enum.GetNames<Grade>().ToDictionary(g => g, _ => 0L);
    public Dictionary<DamageType, long> PerDamageType { get; } = Enum.GetValues<DamageType>().ToDictionary(t => t, _ => 0L);
    public SortedDictionary<string, long> PerCategory { get; } = new(StringComparer.Ordinal);

    /// <summary>Which model's suggestion each photo got (the active model when it was uploaded), or "(no suggestion)".</summary>
    public SortedDictionary<string, long> PerModel { get; } = new(StringComparer.Ordinal);
    public SortedDictionary<string, long> PerRubric { get; } = new(StringComparer.Ordinal);

    public void CountItem(ExportedItem item, string rubricVersion)
    {
        Items++;
        PerRubric[rubricVersion] = PerRubric.GetValueOrDefault(rubricVersion) + 1;
        var s = _perSplit[item.Split];
        _perSplit[item.Split] = (s.Items + 1, s.Images, s.Annotations);
        PerGrade[item.GradeName]++;
        PerCategory[item.Category] = PerCategory.GetValueOrDefault(item.Category) + 1;
        if (item.GradePrefilled)
        {
            PrefilledGrades++;
        }
    }

    /// <summary>Photos of exported labels that the photo store no longer had: left out, not a failed export.</summary>
    public long MissingPhotos { get; private set; }

    /// <summary>Items left out because none of their photos was left in the store.</summary>
    public long ItemsWithoutStoredPhotos { get; private set; }

    /// <summary>Exported station grades that were the model's prefill saved as it was (not a label a person chose).</summary>
    public long PrefilledGrades { get; private set; }

    public void CountMissingPhoto() => MissingPhotos++;

    public void CountItemWithoutStoredPhotos() => ItemsWithoutStoredPhotos++;

    public void CountPhoto(ExportedPhoto photo)
    {
        Images++;
        Annotations += photo.Boxes.Count;
        var s = _perSplit[photo.Item.Split];
        _perSplit[photo.Item.Split] = (s.Items, s.Images + 1, s.Annotations + photo.Boxes.Count);
        foreach (var box in photo.Boxes)
        {
            PerDamageType[box.Type]++;
        }
        var model = photo.ModelVersion ?? "(no suggestion)";
        PerModel[model] = PerModel.GetValueOrDefault(model) + 1;
    }

    public Dictionary<string, object> ToJson() => new()
    {
        ["items"] = Items,
        ["images"] = Images,
        ["annotations"] = Annotations,
        ["per_split"] = _perSplit.ToDictionary(s => s.Key, s => new Dictionary<string, long>
        {
            ["items"] = s.Value.Items, ["images"] = s.Value.Images, ["annotations"] = s.Value.Annotations,
        }),
        ["items_per_grade"] = PerGrade,
        ["annotations_per_damage_type"] = PerDamageType.ToDictionary(t => WireName<DamageType>.Of(t.Key), t => t.Value),
        ["items_per_category"] = PerCategory,
        ["images_per_model_version"] = PerModel,
        ["items_per_rubric_version"] = PerRubric,
        ["items_grade_prefilled"] = PrefilledGrades,
        ["missing_photos"] = MissingPhotos,
        ["items_without_stored_photos"] = ItemsWithoutStoredPhotos,
    };
}
