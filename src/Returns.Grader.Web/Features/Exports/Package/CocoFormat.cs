using System.Globalization;
using System.Text;
using System.Text.Json;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Infrastructure;

namespace Returns.Grader.Web.Features.Exports;

/// <summary>
/// <c>annotations/coco.json</c>: COCO detection (one image per photo, one annotation per box) plus the item's grade and
/// provenance on each image. Images and annotations grow as two JSON arrays on disk and are joined under the header at
/// the end.
/// </summary>
internal sealed class CocoFormat : PackageFormat
{
    private readonly FileStream _imagesSpool;
    private readonly FileStream _annotationsSpool;
    private readonly Utf8JsonWriter _images;
    private readonly Utf8JsonWriter _annotations;
    private long _imageId;
    private long _annotationId;

    public CocoFormat(string workDirectory) : base(workDirectory)
    {
        _imagesSpool = Spool("coco-images.json");
        _annotationsSpool = Spool("coco-annotations.json");
        _images = new Utf8JsonWriter(_imagesSpool, CompactJson);
        _images.WriteStartArray();
        _annotations = new Utf8JsonWriter(_annotationsSpool, CompactJson);
        _annotations.WriteStartArray();
    }

    public override async ValueTask AddPhotoAsync(ExportedPhoto photo)
    {
        var item = photo.Item;
        var imageId = ++_imageId;
        _images.WriteStartObject();
        _images.WriteNumber("id", imageId);
        _images.WriteString("file_name", photo.PathInImages);
        _images.WriteNumber("width", photo.Width);
        _images.WriteNumber("height", photo.Height);
        _images.WriteString("item_id", item.ItemId);
        _images.WriteString("grade", item.GradeName);
        _images.WriteString("split", item.Split);
        _images.WriteNumber("view", photo.View);
        _images.WriteString("photo_id", photo.PhotoId.ToString());
        _images.WriteString("return_id", item.ReturnId);
        _images.WriteString("category", item.Category);
        _images.WriteString("labelled_by", item.LabelledBy);
        _images.WriteString("labelled_utc", item.LabelledUtc);
        _images.WriteString("label_kind", item.LabelKind);
        _images.WriteString("reason_code", item.ReasonCode);
        _images.WriteBoolean("grade_prefilled", item.GradePrefilled);
        _images.WriteBoolean("blind", item.Blind);
        if (photo.ModelVersion is not null)
        {
            _images.WriteString("model_version", photo.ModelVersion);
        }
        _images.WriteEndObject();

        foreach (var box in photo.Boxes)
        {
            _annotations.WriteStartObject();
            _annotations.WriteNumber("id", ++_annotationId);
            _annotations.WriteNumber("image_id", imageId);
            _annotations.WriteNumber("category_id", (int)box.Type + 1);
            _annotations.WriteNumber("iscrowd", 0);
            _annotations.WriteStartArray("bbox");
            _annotations.WriteNumberValue(box.X);
            _annotations.WriteNumberValue(box.Y);
            _annotations.WriteNumberValue(box.Width);
            _annotations.WriteNumberValue(box.Height);
            _annotations.WriteEndArray();
            _annotations.WriteNumber("area", (long)box.Width * box.Height);
            _annotations.WriteString("source", box.Source.Spelled()); // "model": nobody checked it one by one
            _annotations.WriteEndObject();
        }
        // the writers buffer in memory until flushed: keep that buffer small
        if (_images.BytesPending > 1 << 16)
        {
            await _images.FlushAsync();
        }
        if (_annotations.BytesPending > 1 << 16)
        {
            await _annotations.FlushAsync();
        }
    }

    public override async Task WriteToAsync(StreamingZipWriter zip, PackageHeader header, CancellationToken cancellationToken)
    {
        _images.WriteEndArray();
        await _images.FlushAsync(cancellationToken);
        _annotations.WriteEndArray();
        await _annotations.FlushAsync(cancellationToken);
        await zip.AddAsync(header.Root + "annotations/coco.json", compress: true, async coco =>
        {
            var head = new StringBuilder();
            head.Append(CultureInfo.InvariantCulture, $$"""{"info":{"description":"Returns.Grader dataset package","version":"1.0","date_created":"{{header.CreatedUtc}}","rubric_version":"{{header.Rubric.Version}}","dataset":"{{header.Name}}"},"licenses":[],"categories":[""");
            head.AppendJoin(',', Enum.GetValues<DamageType>().Select(t =>
                $$"""{"id":{{(int)t + 1}},"name":"{{WireName<DamageType>.Of(t)}}","supercategory":"damage","severity_points":{{header.Rubric.PointsOf(t)}}}"""));
            head.Append("],\"images\":");
            await coco.WriteAsync(Encoding.UTF8.GetBytes(head.ToString()), cancellationToken);
            await CopySpoolAsync(_imagesSpool, coco, cancellationToken);
            await coco.WriteAsync(",\"annotations\":"u8.ToArray(), cancellationToken);
            await CopySpoolAsync(_annotationsSpool, coco, cancellationToken);
            await coco.WriteAsync("}"u8.ToArray(), cancellationToken);
        }, cancellationToken);
    }

    public override async ValueTask DisposeAsync()
    {
        await _images.DisposeAsync();
        await _annotations.DisposeAsync();
        await base.DisposeAsync();
    }
}
