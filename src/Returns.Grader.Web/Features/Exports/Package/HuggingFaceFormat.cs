using Returns.Grader.Web.Data;
using Returns.Grader.Web.Infrastructure;

namespace Returns.Grader.Web.Features.Exports;

/// <summary>
/// <c>images/&lt;split&gt;/metadata.jsonl</c> (Hugging Face imagefolder): one row per item with its photos' file names and
/// the damage the grader recorded for the item, boxed or not. It has no boxes (counts per type, marks without a box
/// among them), so no box sources either: those are in coco.json, labels.csv and the SageMaker manifest.
/// </summary>
internal sealed class HuggingFaceFormat : PackageFormat
{
    private readonly Dictionary<string, FileStream> _perSplit;

    public HuggingFaceFormat(string workDirectory) : base(workDirectory) =>
        _perSplit = DatasetSplits.All.ToDictionary(s => s, s => Spool($"metadata-{s}.jsonl"));

    public override ValueTask AddItemAsync(ExportedItem item, IReadOnlyList<ExportedPhoto> photos) =>
        JsonLineAsync(_perSplit[item.Split], w =>
        {
            w.WriteStartArray("file_names");
            foreach (var photo in photos)
            {
                w.WriteStringValue(photo.FileName);
            }
            w.WriteEndArray();
            w.WriteString("item_id", item.ItemId);
            w.WriteString("grade", item.GradeName);
            w.WriteNumber("grade_index", (int)item.Grade);
            w.WriteNumber("severity_points", item.SeverityPoints);
            w.WriteStartObject("damage_counts");
            foreach (var type in Enum.GetValues<DamageType>())
            {
                w.WriteNumber(WireName<DamageType>.Of(type), item.Damage.Count(t => t == type));
            }
            w.WriteEndObject();
            w.WriteString("return_id", item.ReturnId);
            w.WriteString("category", item.Category);
            w.WriteString("label_kind", item.LabelKind);
            w.WriteString("reason_code", item.ReasonCode);
            w.WriteBoolean("grade_prefilled", item.GradePrefilled);
            w.WriteBoolean("blind", item.Blind);
        });

    public override async Task WriteToAsync(StreamingZipWriter zip, PackageHeader header, CancellationToken cancellationToken)
    {
        foreach (var split in DatasetSplits.All)
        {
            await zip.AddAsync($"{header.Root}images/{split}/metadata.jsonl", compress: true,
                metadata => CopySpoolAsync(_perSplit[split], metadata, cancellationToken), cancellationToken);
        }
    }
}
