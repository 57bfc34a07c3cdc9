using System.Globalization;
using System.Text;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Infrastructure;

namespace Returns.Grader.Web.Features.Exports;

/// <summary><c>labels.csv</c>: one row per photo, for spreadsheets and quick looks; text fields quoted formula-safe.</summary>
internal sealed class CsvFormat : PackageFormat
{
    private const string Header =
        "item_id,return_id,category,split,file_name,photo_id,width,height,grade,grade_index,disposition,label_kind,labelled_by,labelled_utc,model_version,damage,reason_code,grade_prefilled,blind,disposition_prefilled,damage_sources";

    private readonly StreamWriter _csv;

    public CsvFormat(string workDirectory) : base(workDirectory)
    {
        _csv = new StreamWriter(Spool("labels.csv"), new UTF8Encoding(false)) { NewLine = "\n" };
        _csv.WriteLine(Header);
    }

    public override async ValueTask AddPhotoAsync(ExportedPhoto photo)
    {
        var item = photo.Item;
        var c = CultureInfo.InvariantCulture;
        await _csv.WriteLineAsync(string.Join(',', CsvText.Quote(item.ItemId), CsvText.Quote(item.ReturnId), CsvText.Quote(item.Category),
            item.Split, photo.PathInImages, photo.PhotoId.ToString(), photo.Width.ToString(c), photo.Height.ToString(c), item.GradeName,
            ((int)item.Grade).ToString(c), WireName<Disposition>.Of(item.Disposition), item.LabelKind, CsvText.Quote(item.LabelledBy),
            item.LabelledUtc, CsvText.Quote(photo.ModelVersion ?? ""),
            CsvText.Quote(string.Join(';', photo.Boxes.Select(b => $"{WireName<DamageType>.Of(b.Type)}:{b.X} {b.Y} {b.Width} {b.Height}"))),
            CsvText.Quote(item.ReasonCode ?? ""), item.GradePrefilled ? "true" : "false", item.Blind ? "true" : "false",
            item.DispositionPrefilled ? "true" : "false",
            // beside `damage`, box for box: "model" where the model's box was left as suggested (no person checked it)
            string.Join(';', photo.Boxes.Select(b => b.Source.Spelled()))));
    }

    public override async Task WriteToAsync(StreamingZipWriter zip, PackageHeader header, CancellationToken cancellationToken)
    {
        await _csv.FlushAsync(cancellationToken);
        await zip.AddAsync(header.Root + "labels.csv", compress: true, csv => CopySpoolAsync(_csv.BaseStream, csv, cancellationToken), cancellationToken);
    }

    public override async ValueTask DisposeAsync()
    {
        await _csv.DisposeAsync();
        await base.DisposeAsync();
    }
}
