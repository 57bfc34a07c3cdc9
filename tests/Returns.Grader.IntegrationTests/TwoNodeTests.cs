using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Npgsql;
using Returns.Grader.TestSupport;
using Returns.Grader.Web.Data;

namespace Returns.Grader.IntegrationTests;

/// <summary>
/// Two web nodes behind one load balancer (issue 18): two app processes on two loopback ports, sharing one PostgreSQL
/// database and one Azurite container, each with a data directory of its own (nothing shared on disk). What one node
/// does, the other must see: sign-in cookies, grades in the review queue, review claims, exports (run exactly once,
/// downloadable from either), model promotions (followed without a restart), and exact quality counts under
/// concurrent grades on both.
/// </summary>
public sealed partial class TwoNodeTests(TwoNodeCluster cluster) : IClassFixture<TwoNodeCluster>
{
    private AppProcess A => cluster.A;
    private AppProcess B => cluster.B;
    private TestDatabase Database => cluster.Database;

    [SkippableOnTwoNodes]
    public async Task ASignInOnOneNode_IsAcceptedByTheOther_WithKeysInTheDatabase()
    {
        // Cookies are per host, not per port: one cookie jar for both nodes is what a browser behind a balancer has.
        var cookies = new CookieContainer();
        using var onA = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = A.BaseAddress };
        using var onB = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = B.BaseAddress };
        var login = await onA.GetStringAsync("/account/login");
        var signIn = await onA.PostAsync("/account/local-sign-in", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["name"] = "Ana Twonode",
            ["role"] = "Grader",
            ["returnUrl"] = "/station",
            ["__RequestVerificationToken"] = HiddenToken().Match(login).Groups[1].Value,
        }));
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);

        var station = await onB.GetAsync("/station");
        Assert.Equal(HttpStatusCode.OK, station.StatusCode); // not a redirect to the sign-in form
        // The antiforgery token node B put in its page is honoured by node A for an upload.
        var pageToken = WebUtility.HtmlDecode(MetaToken().Match(await station.Content.ReadAsStringAsync()).Groups[1].Value);
        var item = (await A.Client.CreateItemAsync(ApiJson.UniquePlate("TN"))).GetProperty("id").GetString();
        var upload = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/returns/{item}/photos")
        {
            Content = ApiJson.PhotoForm(("a.jpg", TestPhotos.HalfRedHalfBlueJpeg(), "image/jpeg")),
        };
        upload.Headers.Add("RequestVerificationToken", pageToken);
        Assert.Equal(HttpStatusCode.Created, (await onA.SendAsync(upload)).StatusCode);

        await using var connection = new NpgsqlConnection(Database.ConnectionString);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("""SELECT count(*) FROM "DataProtectionKeys" """, connection);
        Assert.True((long)(await count.ExecuteScalarAsync())! >= 1, "the key ring is in the shared database");
        Assert.False(Directory.Exists(Path.Combine(cluster.DataA, "keys")), "no key ring on node A's disk");
    }

    /// <summary>
    /// The same photo sent to both nodes at once (a client's resend that reached the other node) is kept once, and both
    /// answers name that one photo (two-node pass, 2026-12-05: two copies kept in 2 runs of 3; one node's turn per item
    /// does not reach the other). Several rounds, photos of a different seed each.
    /// </summary>
    [SkippableOnTwoNodes]
    public async Task TheSamePhotoSentToBothNodesAtOnce_IsKeptOnce()
    {
        for (var round = 0; round < 6; round++)
        {
            var id = (await A.Client.CreateItemAsync(ApiJson.UniquePlate("TN"))).GetProperty("id").GetString();
            var bytes = TestPhotos.PhotoLikeJpeg(800, 600, seed: 40 + round);
            var answers = await Task.WhenAll(new[] { A.Client, B.Client }.Select(client =>
                client.PostAsync($"/api/v1/returns/{id}/photos", ApiJson.PhotoForm(("p.jpg", bytes, "image/jpeg")))));

            Assert.All(answers, a => Assert.True(a.IsSuccessStatusCode, $"answered {(int)a.StatusCode}"));
            var photoIds = await Task.WhenAll(answers.Select(async a => (await a.ReadJsonAsync()).GetProperty("photos")[0].GetProperty("photoId").GetString()));
            var item = await (await B.Client.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync();
            Assert.Equal(1, item.GetProperty("photos").GetArrayLength());
            Assert.Single(photoIds.Distinct());
            Assert.Equal(item.GetProperty("photos")[0].GetProperty("photoId").GetString(), photoIds[0]);
        }
    }

    [SkippableOnTwoNodes]
    public async Task AGradeOnOneNode_IsInTheOthersQueue_AndAClaimOnOneBlocksAClaimOnTheOther()
    {
        var id = (await A.Client.CreateItemAsync(ApiJson.UniquePlate("TN"), unitValue: 900m)).GetProperty("id").GetString();
        Assert.Equal(HttpStatusCode.Created, (await A.Client.PostAsJsonAsync($"/api/v1/returns/{id}/grade",
            new { grade = "Good", disposition = "resell_used", damage = new[] { new { type = "dent" } } })).StatusCode);

        using var supervisorOnB = B.CreateClient("dev-supervisor");
        using var adminOnA = A.CreateClient("dev-admin");
        var queue = await (await supervisorOnB.GetAsync("/api/v1/review-queue")).ReadJsonAsync();
        var task = queue.EnumerateArray().Single(t => t.GetProperty("itemId").GetString() == id).GetProperty("taskId").GetString();

        Assert.Equal(HttpStatusCode.OK, (await supervisorOnB.PostAsync($"/api/v1/review-queue/{task}/claim", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await adminOnA.PostAsync($"/api/v1/review-queue/{task}/claim", null)).StatusCode);
    }

    [SkippableOnTwoNodes]
    public async Task ExportsAskedOfBothNodes_RunExactlyOnceEach_AndEitherNodeServesTheDownload()
    {
        var id = (await A.Client.CreateItemAsync(ApiJson.UniquePlate("TN"))).GetProperty("id").GetString();
        await A.Client.PostAsync($"/api/v1/returns/{id}/photos", ApiJson.PhotoForm(("a.jpg", TestPhotos.HalfRedHalfBlueJpeg(), "image/jpeg")));
        await A.Client.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new { grade = "LikeNew", disposition = "restock", damage = Array.Empty<object>() });
        using var dataOnA = A.CreateClient("dev-data");
        using var dataOnB = B.CreateClient("dev-data");

        // Six exports asked of both nodes at once: both workers compete for the same queue.
        var asked = await Task.WhenAll(Enumerable.Range(0, 6).Select(async i =>
        {
            var response = await (i % 2 == 0 ? dataOnA : dataOnB).PostAsJsonAsync("/api/v1/exports", new { labels = "all" });
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            return (await response.ReadJsonAsync()).GetProperty("id").GetString()!;
        }));

        foreach (var export in asked)
        {
            var done = await dataOnB.WaitForExportAsync(export, seconds: 180);
            Assert.Equal("completed", done.GetProperty("status").GetString());
            Assert.Equal(1, done.GetProperty("attempts").GetInt32());
        }
        await using var connection = new NpgsqlConnection(Database.ConnectionString);
        await connection.OpenAsync();
        await using var runs = new NpgsqlCommand(
            """SELECT count(*) FROM "AuditEvents" WHERE "Action" = 'export.completed' AND "EntityId" = ANY(@ids)""", connection);
        runs.Parameters.AddWithValue("ids", asked);
        Assert.Equal(asked.Length, (long)(await runs.ExecuteScalarAsync())!);
        await using var leases = new NpgsqlCommand("""SELECT count(*) FROM "ExportJobs" WHERE "LeaseOwner" IS NOT NULL""", connection);
        Assert.Equal(0L, (long)(await leases.ExecuteScalarAsync())!);

        foreach (var node in new[] { dataOnA, dataOnB })
        {
            var download = await node.GetAsync($"/api/v1/exports/{asked[0]}/download");
            Assert.Equal(HttpStatusCode.OK, download.StatusCode);
            Assert.Equal("application/zip", download.Content.Headers.ContentType?.MediaType);
            // HEAD over real HTTP (Kestrel): the package's headers and length, without its bytes.
            var head = await node.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/api/v1/exports/{asked[0]}/download"));
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
            Assert.Equal((await download.Content.ReadAsByteArrayAsync()).Length, head.Content.Headers.ContentLength);
            Assert.Empty(await head.Content.ReadAsByteArrayAsync());
        }
    }

    [SkippableOnTwoNodes]
    public async Task AModelPromotedOnOneNode_BecomesActiveOnTheOther_WithoutARestart()
    {
        using var dataOnA = A.CreateClient("dev-data");
        var manifest = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(RepositoryPaths.ShippedModel, "model.json")))!;
        manifest["version"] = "9.9.9-twonode";
        var form = new MultipartFormDataContent();
        var onnx = new ByteArrayContent(await File.ReadAllBytesAsync(Path.Combine(RepositoryPaths.ShippedModel, "model.onnx")));
        onnx.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(onnx, "model", "model.onnx");
        form.Add(new StringContent(manifest.ToJsonString()), "manifest", "model.json");
        var registered = await (await dataOnA.PostAsync("/api/v1/models", form)).ReadJsonAsync();
        var version = registered.GetProperty("modelVersion").GetString();
        Assert.Equal(HttpStatusCode.OK, (await dataOnA.PostAsync($"/api/v1/models/{registered.GetProperty("id").GetString()}/promote", null)).StatusCode);

        // Node B never saw the upload (its own disk): it must load the model from the database, and within a bound.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        string? suggestedBy = null;
        while (DateTime.UtcNow < deadline)
        {
            var item = (await B.Client.CreateItemAsync(ApiJson.UniquePlate("TN"))).GetProperty("id").GetString();
            var photos = await (await B.Client.PostAsync($"/api/v1/returns/{item}/photos",
                ApiJson.PhotoForm(("a.jpg", TestPhotos.HalfRedHalfBlueJpeg(), "image/jpeg")))).ReadJsonAsync();
            suggestedBy = photos.GetProperty("photos")[0].GetProperty("suggestion").GetProperty("modelVersion").GetString();
            if (suggestedBy == version)
            {
                break;
            }
            await Task.Delay(500);
        }
        Assert.Equal(version, suggestedBy);
    }

    [SkippableOnTwoNodes]
    public async Task QualityCounts_StayExact_UnderConcurrentGradesOnBothNodes()
    {
        var category = "TwoNode" + Guid.NewGuid().ToString("N")[..8];
        const int Items = 40;
        var ids = await Task.WhenAll(Enumerable.Range(0, Items).Select(async i =>
            (await (i % 2 == 0 ? A : B).Client.CreateItemAsync(ApiJson.UniquePlate("TN"), category: category)).GetProperty("id").GetString()!));

        // Every item graded once, half on each node, all at the same time: 40 decisions into the same hour's and day's counts.
        var statuses = await Task.WhenAll(ids.Select(async (id, i) =>
            (await (i % 2 == 0 ? B : A).Client.PostAsJsonAsync($"/api/v1/returns/{id}/grade",
                new { grade = i % 3 == 0 ? "Good" : "Acceptable", disposition = "resell_used", damage = Array.Empty<object>() })).StatusCode));
        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.Created, s));

        using var supervisor = A.CreateClient("dev-supervisor");
        var report = await (await supervisor.GetAsync($"/api/v1/quality/report?category={category}")).ReadJsonAsync();
        Assert.Equal("daily-counts", report.GetProperty("source").GetString());
        Assert.Equal(Items, report.GetProperty("throughput").EnumerateArray().Sum(r => r.GetProperty("decisions").GetInt64()));
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex HiddenToken();

    [GeneratedRegex("<meta name=\"grader-antiforgery\" content=\"([^\"]+)\"")]
    private static partial Regex MetaToken();
}

/// <summary>A two-node fact: it needs PostgreSQL and Azurite (./test.sh starts both); skipped with the reason only outside CI.</summary>
public sealed class SkippableOnTwoNodesAttribute : FactAttribute
{
    public SkippableOnTwoNodesAttribute() => Skip = TestDatabase.PostgresSkipReason ?? TestBlobContainer.AzuriteSkipReason;
}

/// <summary>The two nodes, started once for the class: PostgreSQL + Azurite shared, a data directory each.</summary>
public sealed class TwoNodeCluster : IAsyncLifetime
{
    private TestDatabase? _database;
    private TestBlobContainer? _blobs;
    private AppProcess? _a;
    private AppProcess? _b;

    public string DataA { get; } = GraderAppFactory.NewTemporaryDirectory();
    public string DataB { get; } = GraderAppFactory.NewTemporaryDirectory();
    public AppProcess A => _a ?? throw new InvalidOperationException("The nodes did not start.");
    public AppProcess B => _b ?? throw new InvalidOperationException("The nodes did not start.");
    public TestDatabase Database => _database ?? throw new InvalidOperationException("No database.");

    public async Task InitializeAsync()
    {
        if (TestDatabase.PostgresSkipReason is not null || TestBlobContainer.AzuriteSkipReason is not null)
        {
            return; // every fact is skipped with the reason
        }
        _database = TestDatabase.Create(DatabaseProvider.Postgres);
        _blobs = TestBlobContainer.Create();
        var settings = new Dictionary<string, string?>(_database.Settings.Concat(_blobs.Settings))
        {
            ["Grader:DataProtection:KeyStore"] = "Database",
            ["Grader:Vision:RegistryRefreshInterval"] = "00:00:01",
            ["Grader:Review:AuditShare"] = "0",
            ["Grader:Review:BlindShare"] = "0",
        };
        // Together, on an empty database, as a deployment starts its nodes: they take turns on the migrations (one died on
        // "column already exists" when they did not; StartupAndPersistenceTests has the four-at-once case).
        var a = AppProcess.StartAsync(DataA, settings);
        var b = AppProcess.StartAsync(DataB, settings);
        try
        {
            await Task.WhenAll(a, b);
        }
        finally
        {
            _a = a.IsCompletedSuccessfully ? a.Result : null;
            _b = b.IsCompletedSuccessfully ? b.Result : null;
        }
    }

    public Task DisposeAsync()
    {
        _a?.Dispose();
        _b?.Dispose();
        GraderAppFactory.TryDelete(DataA);
        GraderAppFactory.TryDelete(DataB);
        _blobs?.Dispose();
        _database?.Dispose();
        return Task.CompletedTask;
    }
}
