using System.Text.Json;

namespace Returns.Grader.Web.Features.Exports;

/// <summary>
/// One of the package's label formats (COCO, Hugging Face imagefolder, SageMaker manifest, CSV): fed each photo and each
/// item as the package is written, its text grows in spool files in the work folder, and at the end it adds its entries
/// to the zip. Four formats share this shape, so the writer feeds them without knowing any one of them.
/// </summary>
internal abstract class PackageFormat(string workDirectory) : IAsyncDisposable
{
    private static readonly JsonWriterOptions Compact = new() { Indented = false };
    private readonly List<FileStream> _spools = [];
    private readonly Utf8JsonWriter _line = new(Stream.Null, Compact);

    protected static JsonWriterOptions CompactJson => Compact;

    public virtual ValueTask AddPhotoAsync(ExportedPhoto photo) => ValueTask.CompletedTask;

    /// <summary>After the item's photos, in the order they were added.</summary>
    public virtual ValueTask AddItemAsync(ExportedItem item, IReadOnlyList<ExportedPhoto> photos) => ValueTask.CompletedTask;

    /// <summary>Closes the spools and adds this format's entries to the zip.</summary>
    public abstract Task WriteToAsync(StreamingZipWriter zip, PackageHeader header, CancellationToken cancellationToken);

    protected FileStream Spool(string name)
    {
        var spool = new FileStream(Path.Combine(workDirectory, name), FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.Asynchronous);
        _spools.Add(spool);
        return spool;
    }

    /// <summary>One JSON object and a newline (JSON Lines).</summary>
    protected async ValueTask JsonLineAsync(Stream spool, Action<Utf8JsonWriter> body)
    {
        _line.Reset(spool);
        _line.WriteStartObject();
        body(_line);
        _line.WriteEndObject();
        await _line.FlushAsync();
        spool.WriteByte((byte)'\n');
    }

    protected static async Task CopySpoolAsync(Stream spool, Stream destination, CancellationToken cancellationToken)
    {
        await spool.FlushAsync(cancellationToken);
        spool.Position = 0;
        await spool.CopyToAsync(destination, cancellationToken);
    }

    public virtual async ValueTask DisposeAsync()
    {
        await _line.DisposeAsync();
        foreach (var spool in _spools)
        {
            await spool.DisposeAsync();
        }
        GC.SuppressFinalize(this);
    }
}
