using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Returns.Grader.TestSupport;
using Returns.Grader.Web.Features.Models;

namespace Returns.Grader.IntegrationTests.Telemetry;

/// <summary>
/// Meter listeners and activity listeners are process-wide: an app's exporter also sees the "Returns.Grader" meter
/// and spans of any other app running in this process at the time. The telemetry tests therefore run alone.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TelemetryRunsAlone
{
    public const string Name = "Telemetry (runs alone)";
}

/// <summary>
/// The real app with the OpenTelemetry in-memory exporters added to its own meter and tracer providers: what an OTLP
/// collector or Prometheus would receive, read back in the test. Metrics are exported only when a test flushes.
/// </summary>
public class TelemetryApp : GraderAppFactory
{
    private readonly List<MetricSnapshot> _metrics = [];
    private readonly Recorded<Activity> _spans = new();

    public TelemetryApp(Action<IServiceCollection>? more)
    {
        // 2 MB per file, so the endpoint's byte limit can be crossed with a modest body.
        Settings["Grader:Photos:MaxBytes"] = (2 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture);
        TestServices = services =>
        {
            services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddInMemoryExporter(_metrics,
                reader => reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = int.MaxValue));
            services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(_spans));
            more?.Invoke(services);
        };
    }

    public IReadOnlyList<Activity> Spans => _spans.ToArray();

    /// <summary>Collects every instrument now and returns the named one (cumulative since the app started), or null.</summary>
    public MetricSnapshot? Metric(string name)
    {
        Assert.True(Services.GetRequiredService<MeterProvider>().ForceFlush(10_000), "the meter provider flushed");
        return _metrics.LastOrDefault(m => m.Name == name);
    }

    /// <summary>The points of an instrument whose tags include all of the given ones.</summary>
    public IReadOnlyList<MetricPoint> Points(string name, params (string Key, object Value)[] tags) =>
        Metric(name)?.MetricPoints.Where(point => tags.All(tag => HasTag(point, tag.Key, tag.Value))).ToList() ?? [];

    public long CounterValue(string name, params (string Key, object Value)[] tags) => Points(name, tags).Sum(p => p.GetSumLong());

    public long HistogramCount(string name, params (string Key, object Value)[] tags) => Points(name, tags).Sum(p => p.GetHistogramCount());

    public double HistogramSum(string name, params (string Key, object Value)[] tags) => Points(name, tags).Sum(p => p.GetHistogramSum());

    public static bool HasTag(MetricPoint point, string key, object value)
    {
        foreach (var tag in point.Tags)
        {
            if (tag.Key == key && Equals(tag.Value, value))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Spans are exported on whichever thread ends them (requests, the export worker): a locked list.</summary>
    private sealed class Recorded<T> : ICollection<T>
    {
        private readonly List<T> _items = [];
        private readonly Lock _gate = new();

        public int Count { get { lock (_gate) { return _items.Count; } } }
        public bool IsReadOnly => false;
        public void Add(T item) { lock (_gate) { _items.Add(item); } }
        public void Clear() { lock (_gate) { _items.Clear(); } }
        public bool Contains(T item) { lock (_gate) { return _items.Contains(item); } }
        public void CopyTo(T[] array, int arrayIndex) { lock (_gate) { _items.CopyTo(array, arrayIndex); } }
        public bool Remove(T item) { lock (_gate) { return _items.Remove(item); } }
        public T[] ToArray() { lock (_gate) { return [.. _items]; } }
        public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)ToArray()).GetEnumerator();
        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}

/// <summary>The app the upload, model and export tests share (a class fixture has one constructor, without arguments).</summary>
public sealed class SharedTelemetryApp : TelemetryApp
{
    public SharedTelemetryApp() : base(null)
    {
    }
}

[Collection(TelemetryRunsAlone.Name)]
public sealed class TelemetryTests(SharedTelemetryApp app) : IClassFixture<SharedTelemetryApp>
{
    private static readonly string[] Stages = ["sanitize", "infer", "store"];

    private static byte[] SamplePhoto => File.ReadAllBytes(Path.Combine(RepositoryPaths.Root, "models", "samples", "04-good.jpg"));

    private static async Task<string> NewItemAsync(HttpClient client) => (await client.CreateItemAsync(ApiJson.UniquePlate("TM"))).GetProperty("id").GetString()!;

    [Fact]
    public async Task Upload_RecordsEachStagesDuration_AndOneIntakeSpanWithItsStages()
    {
        var client = app.ApiClient();
        var id = await NewItemAsync(client);
        var before = Stages.ToDictionary(s => s, s => app.HistogramCount("grader.photo.intake.duration", ("stage", s)));

        var response = await client.PostAsync($"/api/v1/returns/{id}/photos", ApiJson.PhotoForm(("good.jpg", SamplePhoto, "image/jpeg")));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        foreach (var stage in Stages)
        {
            // Once per upload and stage, even though the store stage is entered twice (files, then rows).
            Assert.Equal(before[stage] + 1, app.HistogramCount("grader.photo.intake.duration", ("stage", stage)));
        }
        Assert.True(app.HistogramSum("grader.photo.intake.duration", ("stage", "infer")) > 0, "inference takes some time");
        var intake = Assert.Single(app.Spans, s => s.OperationName == "photos.intake" && (s.GetTagItem("grader.item.id") as string) == id);
        Assert.Equal(1, intake.GetTagItem("grader.photo.count"));
        var stages = app.Spans.Where(s => s.ParentSpanId == intake.SpanId).Select(s => s.GetTagItem("grader.intake.stage") as string).ToList();
        Assert.Equal(["infer", "sanitize", "store", "store"], stages.Order(StringComparer.Ordinal)); // store: files, then rows
    }

    [Fact]
    public async Task Upload_WithTheActiveModel_CountsASuggestionForItsVersion()
    {
        var version = app.Services.GetRequiredService<ModelRegistry>().Active!.Manifest.ModelVersion;
        var client = app.ApiClient();
        var id = await NewItemAsync(client);
        var before = app.CounterValue("grader.photo.suggestions", ("model.version", version));
        var manualBefore = app.CounterValue("grader.photo.manual");

        var response = await client.PostAsync($"/api/v1/returns/{id}/photos", ApiJson.PhotoForm(("good.jpg", SamplePhoto, "image/jpeg")));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(before + 1, app.CounterValue("grader.photo.suggestions", ("model.version", version)));
        Assert.Equal(manualBefore, app.CounterValue("grader.photo.manual"));
    }

    public static TheoryData<string, string> Rejections => new()
    {
        { "text", "unsupported_format" }, // refused by the sanitizer (PhotoIntake)
        { "huge", "too_many_bytes" },     // refused by the endpoint before intake
    };

    [Theory]
    [MemberData(nameof(Rejections))]
    public async Task Upload_Rejected_CountsARejectionWithItsReason(string kind, string reason)
    {
        var client = app.ApiClient();
        var id = await NewItemAsync(client);
        var bytes = kind == "text" ? "this is not a photo at all"u8.ToArray() : new byte[3 * 1024 * 1024];
        var before = app.CounterValue("grader.photo.rejections", ("reason", reason));
        var othersBefore = app.CounterValue("grader.photo.rejections");

        var response = await client.PostAsync($"/api/v1/returns/{id}/photos", ApiJson.PhotoForm(($"{kind}.jpg", bytes, "image/jpeg")));

        Assert.False(response.IsSuccessStatusCode);
        Assert.Equal(before + 1, app.CounterValue("grader.photo.rejections", ("reason", reason)));
        Assert.Equal(othersBefore + 1, app.CounterValue("grader.photo.rejections")); // counted once, under that reason only
    }

    [Fact]
    public void ModelGauge_ReportsTheActiveModelsVersion_AndNoManualMode()
    {
        var version = app.Services.GetRequiredService<ModelRegistry>().Active!.Manifest.ModelVersion;

        var active = Assert.Single(app.Points("grader.model.active", ("model.role", "active")));
        var manual = Assert.Single(app.Points("grader.model.manual_mode"));

        Assert.True(TelemetryApp.HasTag(active, "model.version", version), $"tagged {version}");
        Assert.Equal(1, active.GetGaugeLastValueLong());
        Assert.Equal(0, manual.GetGaugeLastValueLong());
    }

    [Fact]
    public async Task Export_Completed_RecordsItsDurationAndSize()
    {
        var data = app.ApiClient("dev-data");
        var countBefore = app.HistogramCount("grader.export.size");
        var bytesBefore = app.HistogramSum("grader.export.size");
        var durationsBefore = app.HistogramCount("grader.export.duration");

        // A category nobody uses: an empty package (card and manifests only) is still a completed export.
        var started = await data.PostAsJsonAsync("/api/v1/exports", new { categories = new[] { "Tm" + Guid.NewGuid().ToString("N")[..8] } });
        var export = await data.WaitForExportAsync((await started.ReadJsonAsync()).GetProperty("id").GetString()!);

        Assert.Equal("completed", export.GetProperty("status").GetString());
        Assert.Equal(countBefore + 1, app.HistogramCount("grader.export.size"));
        Assert.Equal(bytesBefore + export.GetProperty("byteSize").GetInt64(), app.HistogramSum("grader.export.size"));
        Assert.Equal(durationsBefore + 1, app.HistogramCount("grader.export.duration"));
    }

    [Fact]
    public async Task PrometheusEndpoint_IsOffByDefault()
    {
        // Signed in, so the fallback policy does not send the caller to the sign-in page: there is simply no such endpoint.
        var response = await app.ApiClient("dev-admin").GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}

/// <summary>The review queue gauges on a fresh app (its own database) and a fake clock, so counts and ages are exact.</summary>
[Collection(TelemetryRunsAlone.Name)]
public sealed class ReviewQueueTelemetryTests
{
    [Fact]
    public async Task ReviewQueueGauges_ReportOpenTasksAndTheOldestAge_ReadAtMostEvery15Seconds()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 8, 0, 0, TimeSpan.Zero));
        using var app = new TelemetryApp(services => services.AddSingleton<TimeProvider>(clock));
        var grader = app.ApiClient();
        await QueueAnItemAsync(grader);
        clock.Advance(TimeSpan.FromHours(2));

        var size = Assert.Single(app.Points("grader.review.queue.size")).GetGaugeLastValueLong();
        var age = Assert.Single(app.Points("grader.review.queue.oldest_age")).GetGaugeLastValueDouble();
        await QueueAnItemAsync(grader);
        var sizeWithinCache = Assert.Single(app.Points("grader.review.queue.size")).GetGaugeLastValueLong();
        clock.Advance(TimeSpan.FromSeconds(16));
        var sizeAfterCache = Assert.Single(app.Points("grader.review.queue.size")).GetGaugeLastValueLong();
        var ageAfterCache = Assert.Single(app.Points("grader.review.queue.oldest_age")).GetGaugeLastValueDouble();

        Assert.Equal(1, size);
        Assert.Equal(TimeSpan.FromHours(2).TotalSeconds, age, precision: 3);
        Assert.Equal(1, sizeWithinCache); // the second task is not read yet: the database was asked less than 15 s ago
        Assert.Equal(2, sizeAfterCache);
        Assert.Equal(TimeSpan.FromHours(2).TotalSeconds + 16, ageAfterCache, precision: 3); // still the first task's age
    }

    /// <summary>A high-value item graded at the station waits in the review queue.</summary>
    private static async Task QueueAnItemAsync(HttpClient grader)
    {
        var id = (await grader.CreateItemAsync(ApiJson.UniquePlate("TQ"), unitValue: 800m)).GetProperty("id").GetString();
        var graded = await grader.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new { grade = "Good", disposition = "resell_used", damage = new[] { new { type = "dent" } } });
        Assert.Equal(HttpStatusCode.Created, graded.StatusCode);
    }
}

/// <summary>The Prometheus scrape endpoint, on apps of their own (it is off in the shared one).</summary>
[Collection(TelemetryRunsAlone.Name)]
public sealed class PrometheusTelemetryTests
{
    [Fact]
    public async Task PrometheusEndpoint_WhenEnabled_ServesTheAppsMetricsAnonymously()
    {
        using var app = new TelemetryApp(null);
        app.Settings["Grader:Telemetry:PrometheusEndpoint"] = "true";

        var response = await Anonymous(app).GetAsync("/metrics"); // no key, no cookie

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        foreach (var name in new[] { "grader_model_active{", "grader_model_manual_mode", "grader_review_queue_size", "grader_review_queue_oldest_age_seconds" })
        {
            Assert.Contains(name, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task PrometheusEndpoint_BoundToAnotherPort_IsNotFoundOnThisOne()
    {
        using var app = new TelemetryApp(null);
        app.Settings["Grader:Telemetry:PrometheusEndpoint"] = "true";
        app.Settings["Grader:Telemetry:PrometheusPort"] = "9464"; // the test server's connections are not on 9464

        var response = await Anonymous(app).GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    /// <summary>A scrape port the server does not listen on is said in the log at start (it answered 404 everywhere, silently).</summary>
    [Fact]
    public void APrometheusPortTheServerDoesNotListenOn_IsSaidInTheLog()
    {
        var warnings = new WarningLog();
        using var app = new GraderAppFactory { TestServices = services => services.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(warnings) };
        app.Settings["Grader:Vision:ModelDirectory"] = "";
        app.Settings["Grader:Telemetry:PrometheusEndpoint"] = "true";
        app.Settings["Grader:Telemetry:PrometheusPort"] = "9464"; // Kestrel here listens on one free port only

        app.StartOnKestrel();

        Assert.Single(warnings.Messages, m => m.StartsWith("Grader:Telemetry:PrometheusPort is 9464, but the server listens on http://127.0.0.1:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ShedPhotoAndRateLimitedRequest_AreCountedWithTheirReasons()
    {
        using var app = new TelemetryApp(null);
        app.Settings["Grader:Photos:MaxConcurrentPhotos"] = "1";
        app.Settings["Grader:Photos:MaxQueuedPhotos"] = "0";
        app.Settings["Grader:RateLimits:GradesBurst"] = "1";
        app.Settings["Grader:RateLimits:GradesPerMinute"] = "1";
        var client = app.ApiClient();
        var id = (await client.CreateItemAsync(ApiJson.UniquePlate("TM"))).GetProperty("id").GetString()!;

        using (await app.Services.GetRequiredService<Web.Features.Photos.IntakeAdmission>().EnterAsync(1, CancellationToken.None))
        {
            var shed = await client.PostAsync($"/api/v1/returns/{id}/photos", ApiJson.PhotoForm(("good.jpg", TestPhotos.HalfRedHalfBlueJpeg(), "image/jpeg")));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, shed.StatusCode);
        }
        var grade = new { grade = "LikeNew", disposition = "restock" };
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync($"/api/v1/returns/{id}/grade", grade)).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.PostAsJsonAsync($"/api/v1/returns/{id}/grade", grade)).StatusCode);

        Assert.Equal(1, app.CounterValue("grader.photo.rejections", ("reason", "busy")));
        Assert.Equal(1, app.CounterValue("grader.rate_limit.rejections", ("policy", "grades")));
    }

    /// <summary>No credentials, and a redirect (to the sign-in page) is not followed.</summary>
    private static HttpClient Anonymous(TelemetryApp app) =>
        app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    [Fact]
    public void PrometheusPort_WithoutTheEndpoint_StopsTheStartNamingTheKey()
    {
        using var app = new TelemetryApp(null);
        app.Settings["Grader:Telemetry:PrometheusPort"] = "9464";

        var error = Assert.ThrowsAny<Exception>(() => app.CreateClient());

        Assert.Contains("Grader:Telemetry:PrometheusPort", error.ToString(), StringComparison.Ordinal);
    }
}
