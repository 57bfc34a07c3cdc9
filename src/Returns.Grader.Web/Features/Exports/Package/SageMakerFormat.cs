using System.Globalization;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Infrastructure;

namespace Returns.Grader.Web.Features.Exports;

/// <summary>
/// <c>annotations/sagemaker.manifest</c>: a SageMaker Ground Truth augmented manifest, one line per photo with its boxes
/// (object detection) and the item's grade (image classification); <c>source-ref</c> is under the prefix the export names.
/// Each box's <c>source</c> (ADR 0051) is in <c>damage-metadata.objects</c>, which lists the boxes in
/// <c>damage.annotations</c>' order.
/// </summary>
internal sealed class SageMakerFormat : PackageFormat
{
    private readonly FileStream _lines;
    private readonly string _jobName;

    /// <param name="imagesPrefix">Where the package's images/ folder will be (e.g. s3://bucket/returns-grader-labels-0007/images/).</param>
    public SageMakerFormat(string workDirectory, string packageName, string imagesPrefix) : base(workDirectory)
    {
        _lines = Spool("sagemaker.manifest");
        _jobName = $"labeling-job/{packageName}";
        ImagesPrefix = imagesPrefix;
    }

    public string ImagesPrefix { get; }

    public override ValueTask AddPhotoAsync(ExportedPhoto photo)
    {
        var item = photo.Item;
        var created = item.LabelledUtc.TrimEnd('Z');
        return JsonLineAsync(_lines, w =>
        {
            w.WriteString("source-ref", ImagesPrefix + photo.PathInImages);
            w.WriteStartObject("damage");
            w.WriteStartArray("image_size");
            w.WriteStartObject();
            w.WriteNumber("width", photo.Width);
            w.WriteNumber("height", photo.Height);
            w.WriteNumber("depth", 3);
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteStartArray("annotations");
            foreach (var box in photo.Boxes)
            {
                w.WriteStartObject();
                w.WriteNumber("class_id", (int)box.Type);
                w.WriteNumber("left", box.X);
                w.WriteNumber("top", box.Y);
                w.WriteNumber("width", box.Width);
                w.WriteNumber("height", box.Height);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteStartObject("damage-metadata");
            w.WriteStartArray("objects");
            foreach (var box in photo.Boxes)
            {
                w.WriteStartObject();
                w.WriteNumber("confidence", 1);
                // "model": the model's box nobody checked one by one (COCO's source, labels.csv's damage_sources)
                w.WriteString("source", box.Source.Spelled());
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartObject("class-map");
            foreach (var type in Enum.GetValues<DamageType>())
            {
                w.WriteString(((int)type).ToString(CultureInfo.InvariantCulture), WireName<DamageType>.Of(type));
            }
            w.WriteEndObject();
            w.WriteString("type", "groundtruth/object-detection");
            // as for a prefilled grade: a box of the model's nobody checked is not a person's annotation (ADR 0051)
            w.WriteString("human-annotated", photo.Boxes.Any(b => b.Source == RegionSource.Model) ? "no" : "yes");
            w.WriteString("creation-date", created);
            w.WriteString("job-name", _jobName);
            w.WriteEndObject();
            w.WriteNumber("grade", (int)item.Grade);
            w.WriteStartObject("grade-metadata");
            w.WriteString("class-name", item.GradeName);
            w.WriteNumber("confidence", 1);
            w.WriteString("type", "groundtruth/image-classification");
            // A grade the station prefilled and nobody changed is the model's answer a person let stand, not one they
            // gave: Ground Truth's "human-annotated: no" (its word for a machine's label), and said plainly beside it
            // (models pass: a SageMaker-only export could not tell it from a chosen grade).
            w.WriteString("human-annotated", item.GradePrefilled ? "no" : "yes");
            w.WriteBoolean("grade-prefilled", item.GradePrefilled);
            w.WriteBoolean("blind", item.Blind);
            w.WriteString("creation-date", created);
            w.WriteString("job-name", _jobName);
            w.WriteEndObject();
        });
    }

    public override Task WriteToAsync(StreamingZipWriter zip, PackageHeader header, CancellationToken cancellationToken) =>
        zip.AddAsync(header.Root + "annotations/sagemaker.manifest", compress: true,
            manifest => CopySpoolAsync(_lines, manifest, cancellationToken), cancellationToken);
}
