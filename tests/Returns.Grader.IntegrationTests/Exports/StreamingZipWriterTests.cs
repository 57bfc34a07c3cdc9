using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using Returns.Grader.TestSupport;
using Returns.Grader.Web.Features.Exports;

namespace Returns.Grader.IntegrationTests.Exports;

/// <summary>The export's own ZIP64 writer, read back by .NET's ZipArchive and by Python's zipfile (CRCs checked by both).</summary>
public sealed class StreamingZipWriterTests : IDisposable
{
    private readonly string _directory = GraderAppFactory.NewTemporaryDirectory();

    public StreamingZipWriterTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => GraderAppFactory.TryDelete(_directory);

    [Fact]
    public async Task MoreEntriesThanClassicZipAllows_StoredAndDeflated_ReadBackByDotNetAndPython()
    {
        const int entries = 70_000; // > 65,535: only ZIP64 can count them
        var path = Path.Combine(_directory, "big.zip");
        var text = string.Concat(Enumerable.Repeat("a line of the COCO file, compressible\n", 5000));
        await using (var file = File.Create(path))
        await using (var zip = new StreamingZipWriter(file, Path.Combine(_directory, "spool"), new DateTime(2026, 11, 25, 13, 14, 16, DateTimeKind.Utc)))
        {
            for (var i = 0; i < entries; i++)
            {
                var bytes = Encoding.UTF8.GetBytes($"photo {i}");
                await zip.AddAsync($"pkg/images/train/{i:D6}.jpg", compress: false, s => s.WriteAsync(bytes).AsTask(), CancellationToken.None);
            }
            await zip.AddAsync("pkg/annotations/coco.json", compress: true, s => s.WriteAsync(Encoding.UTF8.GetBytes(text)).AsTask(), CancellationToken.None);
            await zip.AddAsync("pkg/ünïcode-name.txt", compress: true, s => Task.CompletedTask, CancellationToken.None);
            await zip.FinishAsync(CancellationToken.None);
        }

        using (var archive = ZipFile.OpenRead(path))
        {
            Assert.Equal(entries + 2, archive.Entries.Count);
            using var reader = new StreamReader(archive.GetEntry("pkg/images/train/069999.jpg")!.Open());
            Assert.Equal("photo 69999", await reader.ReadToEndAsync());
            var coco = archive.GetEntry("pkg/annotations/coco.json")!;
            Assert.True(coco.CompressedLength < coco.Length / 10);
            using var cocoReader = new StreamReader(coco.Open());
            Assert.Equal(text, await cocoReader.ReadToEndAsync());
            Assert.Equal(0, archive.GetEntry("pkg/ünïcode-name.txt")!.Length);
            Assert.Equal(new DateTime(2026, 11, 25, 13, 14, 16), archive.GetEntry("pkg/annotations/coco.json")!.LastWriteTime.DateTime);
        }

        var python = Process.Start(new ProcessStartInfo("/usr/bin/python3", ["-c", StrictCheck, path])
        { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = await python.StandardOutput.ReadToEndAsync();
        await python.WaitForExitAsync();
        Assert.True(python.ExitCode == 0, await python.StandardError.ReadToEndAsync());
        Assert.Equal($"{entries + 2} None 2", output.Trim()); // every entry's CRC checked, none bad; both deflate streams whole
    }

    /// <summary>
    /// Python's zipfile and .NET read an empty deflated entry stored as 0 bytes; a deflate stream is at least 2 bytes, and
    /// unzip refused the package ("invalid compressed data to inflate", exit 2) whenever a split was empty (exploratory
    /// pass, 2026-12-06). So each deflated entry's raw bytes are also inflated by zlib itself, which wants the final block.
    /// </summary>
    private const string StrictCheck = """
        import struct, sys, zipfile, zlib
        z = zipfile.ZipFile(sys.argv[1])
        bad = z.testzip()
        raw = open(sys.argv[1], "rb")
        whole = 0
        for info in z.infolist():
            if info.compress_type != zipfile.ZIP_DEFLATED:
                continue
            raw.seek(info.header_offset)
            name_length, extra_length = struct.unpack("<HH", raw.read(30)[26:30])
            raw.seek(info.header_offset + 30 + name_length + extra_length)
            inflater = zlib.decompressobj(-15)
            data = inflater.decompress(raw.read(info.compress_size))
            assert inflater.eof and len(data) == info.file_size, f"{info.filename}: the deflate stream is not whole"
            whole += 1
        print(len(z.namelist()), bad, whole)
        """;
}
