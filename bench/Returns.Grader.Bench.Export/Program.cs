using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Features.Exports;
using Returns.Grader.Web.Features.Grading;
using Returns.Grader.Web.Features.Photos;
using Returns.Grader.Web.Infrastructure.Telemetry;
using SkiaSharp;

// Issue 5: export 100,000 labeled items with 3 photos each, in minutes, with flat memory.
// Usage, from the repository root (docs/benchmarks.md has the measured run):
//   nice -n 10 dotnet run -c Release --project bench/Returns.Grader.Bench.Export [-- --items 100000 --keep]
// Two phases in two processes, so the export's peak memory is its own: this process seeds a temporary data directory
// (SQLite through EF, photo files in the store's layout), then starts itself again with --export-only DIR.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

var items = 100_000;
string? exportOnly = null;
var keep = false;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--items": items = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--export-only": exportOnly = args[++i]; break;
        case "--keep": keep = true; break;
        default: throw new ArgumentException($"Unknown argument {args[i]}; see Program.cs.");
    }
}

if (exportOnly is not null)
{
    await ExportPhase.RunAsync(exportOnly);
    return;
}

var directory = Path.Combine(Path.GetTempPath(), $"grader-bench-export-{DateTime.UtcNow:yyyyMMdd-HHmmss}");
Console.WriteLine($"# Export bench, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
Console.WriteLine($"- Machine: {Environment.ProcessorCount} cores; load average at the start {LoadAverage()}");
try
{
    await Seeder.SeedAsync(directory, items);
    var self = Environment.ProcessPath!;
    var start = new ProcessStartInfo(self) { UseShellExecute = false };
    // `dotnet run` starts the apphost; under `dotnet X.dll` the process path is dotnet itself and needs the dll first.
    if (Path.GetFileNameWithoutExtension(self) == "dotnet")
    {
        start.ArgumentList.Add(typeof(Seeder).Assembly.Location);
    }
    start.ArgumentList.Add("--export-only");
    start.ArgumentList.Add(directory);
    using var child = Process.Start(start)!;
    await child.WaitForExitAsync();
    Console.WriteLine($"- Load average at the end {LoadAverage()}");
    Environment.ExitCode = child.ExitCode;
}
finally
{
    if (!keep)
    {
        Directory.Delete(directory, recursive: true);
        Console.WriteLine($"Deleted {directory}");
    }
    else
    {
        Console.WriteLine($"Kept {directory}");
    }
}

static string LoadAverage() =>
    File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

/// <summary>A data directory as the app leaves it: graded items with photos in the store and boxes on them.</summary>
internal static class Seeder
{
    public const string Category = "Apparel";
    private static readonly string[] Categories = ["Apparel", "Electronics", "Home", "Toys", "Kitchen", "Beauty", "Sports", "Books", "Garden", "Tools"];

    public static async Task SeedAsync(string directory, int itemCount)
    {
        var watch = Stopwatch.StartNew();
        Directory.CreateDirectory(directory);
        var photoRoot = Path.Combine(directory, "photos");
        // Ten distinct photo-like JPEGs (320x240) written as 3 files per item: the export copies bytes, never decodes.
        var jpegs = Enumerable.Range(0, 10).Select(Jpeg).ToArray();
        var options = new DbContextOptionsBuilder<SqliteGraderDb>().UseSqlite($"Data Source={Path.Combine(directory, "grader.db")}").Options;
        await using (var db = new SqliteGraderDb(options))
        {
            await db.Database.MigrateAsync();
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;");
            db.ChangeTracker.AutoDetectChangesEnabled = false;
            var random = new Random(5);
            var start = DateTime.UtcNow.AddDays(-30);
            long photoBytes = 0;
            for (var n = 0; n < itemCount; n++)
            {
                var item = new ReturnItem
                {
                    Id = Guid.CreateVersion7(), ReturnId = $"LP-{n:D8}", Sku = $"SKU-{n % 5000}", Title = "Returned item", Category = Categories[n % Categories.Length],
                    UnitValue = 10 + n % 300, Status = ItemStatus.Graded, CreatedAt = start.AddSeconds(n * 20), CreatedBy = "bench", UpdatedAt = start.AddSeconds(n * 20),
                };
                var decision = new GradeDecision
                {
                    Id = Guid.CreateVersion7(), ReturnItemId = item.Id, Kind = DecisionKind.Station, Grade = (Grade)random.Next(5), Disposition = Disposition.ResellUsed,
                    RubricVersion = "v1", ActorId = $"associate-{n % 30:D2}", ActorName = $"Associate {n % 30}", ActorRole = "Grader", DecidedAt = item.CreatedAt.AddMinutes(1),
                };
                item.CurrentDecisionId = decision.Id;
                db.ReturnItems.Add(item);
                db.GradeDecisions.Add(decision);
                for (var p = 0; p < 3; p++)
                {
                    var photoId = Guid.CreateVersion7();
                    var key = $"{item.CreatedAt:yyyy/MM/dd}/{photoId:N}.jpg";
                    var bytes = jpegs[(n + p) % jpegs.Length];
                    var path = Path.Combine(photoRoot, key);
                    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                    await File.WriteAllBytesAsync(path, bytes);
                    photoBytes += bytes.Length;
                    db.Photos.Add(new Photo
                    {
                        Id = photoId, ReturnItemId = item.Id, StorageKey = key, ContentType = "image/jpeg", Width = 320, Height = 240, ByteSize = bytes.Length,
                        Sha256 = "", SourceFormat = "jpeg", SourceWidth = 4032, SourceHeight = 3024, UploadedBy = "bench", UploadedAt = item.CreatedAt.AddSeconds(p),
                    });
                    if (random.NextDouble() < 0.5)
                    {
                        db.DamageRegions.Add(new DamageRegion
                        {
                            Id = Guid.CreateVersion7(), DecisionId = decision.Id, PhotoId = photoId, Type = (DamageType)random.Next(6),
                            X = random.Next(0, 200), Y = random.Next(0, 150), Width = random.Next(5, 100), Height = random.Next(5, 80), Source = RegionSource.Added,
                        });
                    }
                }
                if (n % 5000 == 4999)
                {
                    await db.SaveChangesAsync();
                    db.ChangeTracker.Clear();
                }
            }
            await db.SaveChangesAsync();
            Console.WriteLine($"- Seeded {itemCount:N0} graded items, {itemCount * 3:N0} photos ({photoBytes / 1048576.0:F0} MB of 320x240 JPEGs), "
                + $"{await db.DamageRegions.CountAsync():N0} boxes in {watch.Elapsed.TotalSeconds:F0} s: {directory}");
        }
        SqliteConnectionPools.Clear();
    }

    private static byte[] Jpeg(int seed)
    {
        using var bitmap = new SKBitmap(320, 240);
        var random = new Random(seed);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(new SKColor((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256)));
            using var paint = new SKPaint();
            for (var i = 0; i < 40; i++)
            {
                paint.Color = new SKColor((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256));
                canvas.DrawCircle(random.Next(320), random.Next(240), random.Next(5, 60), paint);
            }
        }
        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 85);
        return data.ToArray();
    }
}

internal static class SqliteConnectionPools
{
    public static void Clear() => Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
}

/// <summary>The app's export worker over the seeded directory: one category (a tenth), then everything.</summary>
internal static class ExportPhase
{
    public static async Task RunAsync(string directory)
    {
        var connection = $"Data Source={Path.Combine(directory, "grader.db")};Cache=Private;Default Timeout=30;Pooling=True";
        var factory = new Factory(new PooledDbContextFactory<SqliteGraderDb>(new DbContextOptionsBuilder<SqliteGraderDb>().UseSqlite(connection).Options));
        var rubrics = new RubricCatalog(Options.Create(new RubricOptions()));
        var writer = new DatasetPackageWriter(factory, new FileSystemPhotoStore(Path.Combine(directory, "photos")), rubrics, NullLogger<DatasetPackageWriter>.Instance);
        var storage = new ExportStorage(Path.Combine(directory, "exports"));
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider(); // the worker records its exports' duration and size
        // No settle: the bench measures the writing, and nothing is being graded while it runs (ADR 0048).
        var worker = new ExportWorker(factory, writer, storage, new FileSystemPackageStore(storage), Options.Create(new ExportOptions { SnapshotSettle = TimeSpan.Zero }), TimeProvider.System,
            new GraderMetrics(services.GetRequiredService<IMeterFactory>()), NullLogger<ExportWorker>.Instance);

        Console.WriteLine();
        Console.WriteLine("| Export | Items | Photos | Boxes | Package | Wall | Items/s | MB/s written | Peak working set | Peak GC heap | CPU |");
        Console.WriteLine("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
        await using (var db = await factory.CreateDbContextAsync())
        {
            db.ExportJobs.Add(Job(1, new ExportFilter(null, null, [Seeder.Category], false, null, null)));
            db.ExportJobs.Add(Job(2, new ExportFilter(null, null, [], false, null, null)));
            await db.SaveChangesAsync();
        }
        await worker.StartAsync(CancellationToken.None);
        foreach (var number in new[] { 1, 2 })
        {
            using var sampler = new MemorySampler();
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var watch = Stopwatch.StartNew();
            ExportJob job;
            while (true)
            {
                await Task.Delay(200);
                await using var db = await factory.CreateDbContextAsync();
                job = await db.ExportJobs.AsNoTracking().SingleAsync(j => j.Number == number);
                if (job.Status is ExportStatus.Completed or ExportStatus.Failed)
                {
                    break;
                }
            }
            watch.Stop();
            var used = Process.GetCurrentProcess().TotalProcessorTime - cpu;
            if (job.Status == ExportStatus.Failed)
            {
                Console.WriteLine($"Export {number} failed: {job.Error}");
                Environment.ExitCode = 1;
                break;
            }
            var mb = job.ByteSize!.Value / 1048576.0;
            Console.WriteLine($"| {(number == 1 ? $"category {Seeder.Category}" : "everything")} | {job.ItemsDone:N0} | {job.Images:N0} | {job.Annotations:N0} | {mb:F0} MB | "
                + $"{watch.Elapsed.TotalSeconds:F1} s | {job.ItemsDone / watch.Elapsed.TotalSeconds:N0} | {mb / watch.Elapsed.TotalSeconds:F0} | "
                + $"{sampler.PeakWorkingSet / 1048576.0:F0} MB | {sampler.PeakHeap / 1048576.0:F0} MB | {used.TotalSeconds:F0} s |");
        }
        await worker.StopAsync(CancellationToken.None);
    }

    private static ExportJob Job(int number, ExportFilter filter) => new()
    {
        Id = Guid.CreateVersion7(), Number = number, Status = ExportStatus.Queued, CreatedAt = DateTime.UtcNow,
        FilterJson = System.Text.Json.JsonSerializer.Serialize(filter, System.Text.Json.JsonSerializerOptions.Web), RequestedById = "bench", RequestedByName = "bench",
    };

    private sealed class Factory(IDbContextFactory<SqliteGraderDb> inner) : IDbContextFactory<GraderDb>
    {
        public GraderDb CreateDbContext() => inner.CreateDbContext();

        public async Task<GraderDb> CreateDbContextAsync(CancellationToken cancellationToken = default) => await inner.CreateDbContextAsync(cancellationToken);
    }

    /// <summary>Working set and GC heap sampled every 50 ms while an export runs.</summary>
    private sealed class MemorySampler : IDisposable
    {
        private readonly Timer _timer;

        public MemorySampler()
        {
            var process = Process.GetCurrentProcess();
            _timer = new Timer(_ =>
            {
                process.Refresh();
                PeakWorkingSet = Math.Max(PeakWorkingSet, process.WorkingSet64);
                PeakHeap = Math.Max(PeakHeap, GC.GetTotalMemory(false));
            }, null, 0, 50);
        }

        public long PeakWorkingSet { get; private set; }
        public long PeakHeap { get; private set; }

        public void Dispose() => _timer.Dispose();
    }
}
