using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Returns.Grader.TestSupport;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Infrastructure;

namespace Returns.Grader.IntegrationTests;

public sealed class StartupAndPersistenceTests
{
    /// <summary>
    /// Nodes that start together on an empty PostgreSQL database apply the migrations once (two-node pass, 2026-12-05:
    /// two nodes started in the same second, both applied the second migration, and one died on "column already exists").
    /// Four at once, as a deployment that starts its nodes together does; each must finish with the whole schema.
    /// </summary>
    [Theory, OnPostgres]
    public async Task NodesStartingTogether_MigrateAnEmptyDatabaseOnce(DatabaseProvider provider)
    {
        using var database = TestDatabase.Create(provider);
        PostgresGraderDb NewContext() => new(new DbContextOptionsBuilder<PostgresGraderDb>()
            .UseNpgsql(database.ConnectionString, pg => pg.EnableRetryOnFailure()).Options);

        var nodes = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            await using var db = NewContext();
            await DataRegistration.MigrateAsync(db, CancellationToken.None);
        })).ToList();
        await Task.WhenAll(nodes);

        await using var check = NewContext();
        Assert.Empty(await check.Database.GetPendingMigrationsAsync());
        Assert.Equal(check.Database.GetMigrations().Count(), (await check.Database.GetAppliedMigrationsAsync()).Count());
    }

    /// <summary>
    /// The empty grader.db a kill during the very first start leaves, and a copy made in another journal mode, start
    /// (operator pass, 2026-12-05: both stopped every later start with "attempt to write a readonly database", because the
    /// read-only connection EF checks the file with tried to turn it to WAL). The app sets WAL itself.
    /// </summary>
    [Theory]
    [InlineData("empty")]
    [InlineData("journal_mode=DELETE")]
    public async Task ADatabaseFileNotInWalMode_Starts_AndIsTurnedToWal(string file)
    {
        var directory = GraderAppFactory.NewTemporaryDirectory();
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, "grader.db");
        try
        {
            if (file == "empty")
            {
                await File.WriteAllBytesAsync(path, []);
            }
            else
            {
                using (var first = new GraderAppFactory { DataDirectory = directory, DeleteDataOnDispose = false })
                {
                    Assert.Equal(HttpStatusCode.Created, (await first.ApiClient().PostAsJsonAsync("/api/v1/returns",
                        new { returnId = "LP-JOURNAL", sku = "S", title = "t", category = "Kitchen", unitValue = 5m })).StatusCode);
                }
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False");
                await connection.OpenAsync();
                await using var command = connection.CreateCommand();
                command.CommandText = "PRAGMA journal_mode=DELETE;";
                Assert.Equal("delete", (string?)await command.ExecuteScalarAsync());
            }

            using var app = new GraderAppFactory { DataDirectory = directory, DeleteDataOnDispose = false };
            Assert.Equal(HttpStatusCode.OK, (await app.CreateClient().GetAsync("/readyz")).StatusCode);
            Assert.Equal(file == "empty" ? HttpStatusCode.NotFound : HttpStatusCode.OK, (await app.ApiClient().GetAsync("/api/v1/returns?returnId=LP-JOURNAL")).StatusCode);
            await using var check = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
            await check.OpenAsync();
            await using var mode = check.CreateCommand();
            mode.CommandText = "PRAGMA journal_mode;";
            Assert.Equal("wal", (string?)await mode.ExecuteScalarAsync());
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            GraderAppFactory.TryDelete(directory);
        }
    }

    [Theory, OnSqlite, OnPostgres]
    public async Task Restart_KeepsItemsPhotosAndDecisions(DatabaseProvider provider)
    {
        var directory = GraderAppFactory.NewTemporaryDirectory();
        using var database = TestDatabase.Create(provider);
        try
        {
            string id;
            string photoId;
            string statusBefore;
            using (var first = new GraderAppFactory { DataDirectory = directory, Database = database, DeleteDataOnDispose = false })
            {
                var client = first.ApiClient();
                id = (await client.CreateItemAsync(ApiJson.UniquePlate())).GetProperty("id").GetString()!;
                var upload = await (await client.PostAsync($"/api/v1/returns/{id}/photos",
                    ApiJson.PhotoForm(("p.jpg", TestPhotos.HalfRedHalfBlueJpeg(), "image/jpeg")))).ReadJsonAsync();
                photoId = upload.GetProperty("photos")[0].GetProperty("photoId").GetString()!;
                var graded = await client.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new { grade = "Acceptable", disposition = "liquidate", damage = new[] { new { type = "tear" } } });
                Assert.Equal(HttpStatusCode.Created, graded.StatusCode);
                statusBefore = (await (await client.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync()).GetProperty("status").GetString()!;
            }

            using var second = new GraderAppFactory { DataDirectory = directory, Database = database, DeleteDataOnDispose = false };
            var again = second.ApiClient();
            var item = await (await again.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync();
            Assert.Contains(statusBefore, new[] { "Graded", "InReview" }); // the model may have sent it to review
            Assert.Equal(statusBefore, item.GetProperty("status").GetString());
            Assert.Equal("Acceptable", item.GetProperty("decisions")[0].GetProperty("grade").GetString());
            Assert.Equal(HttpStatusCode.OK, (await again.GetAsync($"/api/v1/photos/{photoId}")).StatusCode);
        }
        finally
        {
            GraderAppFactory.TryDelete(directory);
        }
    }

    /// <summary>Settings the app cannot use stop the start naming the setting (operator pass, 2026-12-05: the provider's or
    /// the file system's own words, naming none).</summary>
    [Theory]
    [InlineData("data folder is a file", "Grader:DataDirectory")]
    [InlineData("connection string unreadable", "ConnectionStrings:Grader is not a Sqlite connection string")]
    [InlineData("unmigrated database, no migration on start", "Database:MigrateOnStart is false and the database lacks")]
    public void ASettingTheAppCannotUse_StopsTheStart_NamingIt(string what, string named)
    {
        using var app = new GraderAppFactory();
        var file = Path.Combine(Path.GetTempPath(), "grader-tests", Guid.NewGuid().ToString("N") + ".txt");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, "a file, not a folder");
        try
        {
            switch (what)
            {
                case "data folder is a file":
                    app.Settings["Grader:DataDirectory"] = Path.Combine(file, "data");
                    break;
                case "connection string unreadable":
                    app.Settings["ConnectionStrings:Grader"] = "this is ;; not=a=conn;string";
                    break;
                default:
                    app.Settings["Database:MigrateOnStart"] = "false";
                    break;
            }

            var error = Assert.ThrowsAny<Exception>(() => app.CreateClient());

            Assert.Contains(named, Flatten(error));
            if (what == "data folder is a file")
            {
                Assert.Contains($"'{file}' is a file, not a folder", Flatten(error)); // not "could not find a part of the path"
            }
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>
    /// The process itself, as an operator or a container platform meets it: a refused setting ended the start as
    /// "Unhandled exception." with a 30-60 line stack trace and SIGABRT (exit 134). Now exit code 1, the setting's words
    /// first and nothing else: no stack.
    /// </summary>
    [Theory]
    [InlineData("Development", "Grader:TimeZone", "Mars/Base", "Grader:TimeZone 'Mars/Base' is not a time zone")]
    [InlineData("Production", "Grader:TimeZone", "", "No Entra ID settings (AzureAd:Instance")]
    [InlineData("Development", "Grader:Photos:MaxByte", "1000", "Grader:Photos has 'MaxByte': this version has no such setting")]
    public async Task ARefusedSetting_EndsTheProcessWithExitCode1_AndTheReasonInWords(string environment, string key, string value, string said)
    {
        var data = GraderAppFactory.NewTemporaryDirectory();
        try
        {
            var (exitCode, error, _) = await AppProcess.RunUntilExitAsync(data, [new(key, value)], environment);

            Assert.Equal(1, exitCode);
            var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal("Returns.Grader did not start: a setting is wrong or missing.", lines[0]);
            Assert.Contains(said, error, StringComparison.Ordinal);
            Assert.DoesNotContain("Unhandled exception", error, StringComparison.Ordinal);
            Assert.DoesNotContain(lines, line => line.TrimStart().StartsWith("at ", StringComparison.Ordinal));
        }
        finally
        {
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }

    [Fact]
    public void OutsideDevelopment_WithoutEntraSettings_TheAppRefusesToStart()
    {
        using var app = new GraderAppFactory { EnvironmentName = "Production" };

        var error = Assert.ThrowsAny<Exception>(() => app.CreateClient());

        Assert.Contains("AzureAd", Flatten(error));
    }

    /// <summary>
    /// Entra settings with only a client id: the app started and answered 500 to every request, health probes included,
    /// with "IDW10106" in the log once per request (operator pass, 2026-12-05). It refuses to start, naming each key.
    /// </summary>
    [Theory]
    [InlineData("", "22222222-2222-2222-2222-222222222222", "s", "AzureAd:Instance")]
    [InlineData("login.microsoftonline.com", "22222222-2222-2222-2222-222222222222", "s", "AzureAd:Instance")]
    [InlineData("https://login.microsoftonline.com/", "", "s", "AzureAd:TenantId")]
    [InlineData("https://login.microsoftonline.com/", "22222222-2222-2222-2222-222222222222", "", "AzureAd:ClientSecret")]
    public void IncompleteEntraSettings_StopTheStart_NamingWhatIsMissing(string instance, string tenant, string secret, string named)
    {
        using var app = new GraderAppFactory { EnvironmentName = "Production" };
        app.Settings["AzureAd:ClientId"] = "11111111-1111-1111-1111-111111111111";
        app.Settings["AzureAd:Instance"] = instance;
        app.Settings["AzureAd:TenantId"] = tenant;
        app.Settings["AzureAd:ClientSecret"] = secret;

        var error = Assert.ThrowsAny<Exception>(() => app.CreateClient());

        Assert.Contains(named, Flatten(error));
        Assert.Contains("incomplete", Flatten(error));
    }

    /// <summary>
    /// An export that starts before a grade stamped before its snapshot can have committed may leave it out (ADR 0048):
    /// outside Development a settle under the ledger's bound and a margin stops the start, naming the setting; the
    /// default starts.
    /// </summary>
    [Theory]
    [InlineData("00:00:05", true)]
    [InlineData(null, false)]
    public void OutsideDevelopment_AnExportSettleShorterThanAGradesCommit_StopsTheStart(string? settle, bool refused)
    {
        using var app = new GraderAppFactory { EnvironmentName = "Production" };
        app.Settings["Grader:Vision:ModelDirectory"] = "";
        app.Settings["AzureAd:TenantId"] = "22222222-2222-2222-2222-222222222222";
        app.Settings["AzureAd:ClientId"] = "11111111-1111-1111-1111-111111111111";
        app.Settings["AzureAd:ClientSecret"] = "not-a-real-secret"; // never sent anywhere: no request here signs in
        if (settle is not null)
        {
            app.Settings["Grader:Exports:SnapshotSettle"] = settle;
        }

        if (refused)
        {
            Assert.Contains("Grader:Exports:SnapshotSettle must be at least 30 s", Flatten(Assert.ThrowsAny<Exception>(() => app.CreateClient())));
        }
        else
        {
            _ = app.CreateClient();
            Assert.Equal(TimeSpan.FromMinutes(1), app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Web.Features.Exports.ExportOptions>>().Value.SnapshotSettle);
        }
    }

    [Fact]
    public void OutsideDevelopment_WithDevSignInConfigured_TheAppRefusesToStart()
    {
        using var app = new GraderAppFactory { EnvironmentName = "Staging" };
        app.Settings["DevAuth:Enabled"] = "true";
        app.Settings["AzureAd:ClientId"] = "11111111-1111-1111-1111-111111111111";
        app.Settings["AzureAd:ClientSecret"] = "not-a-real-secret"; // never sent anywhere: no request here signs in
        app.Settings["AzureAd:TenantId"] = "22222222-2222-2222-2222-222222222222";

        var error = Assert.ThrowsAny<Exception>(() => app.CreateClient());

        Assert.Contains("DevAuth:Enabled", Flatten(error));
    }

    /// <summary>An empty Grader:TimeZone is "not set" (the server's zone), as the README says; it was refused as a zone named ''.</summary>
    [Fact]
    public void AnEmptyTimeZone_IsTheServersZone()
    {
        using var app = new GraderAppFactory();
        app.Settings["Grader:Vision:ModelDirectory"] = "";
        app.Settings["Grader:TimeZone"] = "";
        _ = app.CreateClient();

        Assert.Equal(TimeZoneInfo.Local.Id, app.Services.GetRequiredService<SiteTime>().Zone.Id);
    }

    /// <summary>
    /// A wrong setting stops the start with its key named: out of range, past what an int holds (5 000 000 000 pixels
    /// threw an OverflowException naming nothing, operator pass), or two settings no photo can meet together.
    /// </summary>
    [Theory]
    [InlineData("Grader:Photos:JpegQuality=5", "JpegQuality")]
    [InlineData("Grader:Photos:MaxPixels=5000000000", "MaxPixels")]
    [InlineData("Grader:Review:HighValueThreshold=99999999999", "HighValueThreshold")]
    [InlineData("Grader:Photos:MinShortSide=4096;Grader:Photos:MaxSide=1000", "Grader:Photos:MinShortSide (4096) is larger than Grader:Photos:MaxSide")]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT=collector:4317", "OTEL_EXPORTER_OTLP_ENDPOINT 'collector:4317' is not an http or https address")]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4317;OTEL_EXPORTER_OTLP_PROTOCOL=smoke-signals", "OTEL_EXPORTER_OTLP_PROTOCOL 'smoke-signals'")]
    // A setting no version has was dropped without a word and the default kept (ADR 0061): misspelt, in a misspelt
    // section, one level too high, inside a list's item, and in the Database section
    [InlineData("Grader:Review:RouteUnfamilar=true", "Grader:Review has 'RouteUnfamilar': this version has no such setting")]
    [InlineData("Grader:Photo:MaxBytes=1000", "Grader:Photo: this version has no such setting")]
    [InlineData("Grader:KnownProxies=10.0.0.4", "Grader:KnownProxies: this version has no such setting")]
    [InlineData("Grader:Dispositions:Rules:0:Grade=LikeNew", "Grader:Dispositions has 'Grade'")]
    [InlineData("Database:Provder=Postgres", "Database has 'Provder'")]
    public void AWrongSetting_StopsTheStartWithTheKeyNamed(string settings, string named)
    {
        using var app = new GraderAppFactory();
        foreach (var setting in settings.Split(';'))
        {
            app.Settings[setting.Split('=')[0]] = setting.Split('=')[1];
        }

        var error = Assert.ThrowsAny<Exception>(() => app.CreateClient());

        Assert.Contains(named, Flatten(error));
        Assert.IsNotType<OverflowException>(error.GetBaseException());
        // Refused before anything was done with the settings: the database was not created or migrated (it was, and only
        // then did the start stop; a wrong setting in a new version's rollout must not change the shared database).
        Assert.False(File.Exists(app.DatabasePath), "the database was made before the settings were checked");
    }

    [Theory]
    [InlineData("SqlServer")]
    [InlineData("Postgres")]
    public void AServerProviderWithoutAConnectionString_StopsTheStartWithTheKeyNamed(string provider)
    {
        using var app = new GraderAppFactory();
        app.Settings["Database:Provider"] = provider;
        app.Settings["ConnectionStrings:Grader"] = "";

        var error = Assert.ThrowsAny<Exception>(() => app.CreateClient());

        Assert.Contains("ConnectionStrings:Grader", Flatten(error));
    }

    [Fact]
    public void SqliteMigrations_CoverTheWholeModel()
    {
        using var db = new SqliteGraderDb(new DbContextOptionsBuilder<SqliteGraderDb>().UseSqlite("Data Source=:memory:").Options);

        Assert.False(db.Database.HasPendingModelChanges(), "The model has changes no SQLite migration covers: run dotnet ef migrations add --context SqliteGraderDb.");
    }

    [Fact]
    public void SqlServerMigrations_CoverTheWholeModel()
    {
        // No SQL Server runs here; comparing the model with the migrations' snapshot needs no connection.
        using var db = new SqlServerGraderDb(new DbContextOptionsBuilder<SqlServerGraderDb>().UseSqlServer("Server=unused;Database=unused").Options);

        Assert.False(db.Database.HasPendingModelChanges(), "The model has changes no SQL Server migration covers: run dotnet ef migrations add --context SqlServerGraderDb.");
        Assert.Contains(db.Database.GetMigrations(), m => m.EndsWith("_Initial", StringComparison.Ordinal));
    }

    [Fact]
    public void PostgresMigrations_CoverTheWholeModel()
    {
        // Comparing the model with the migrations' snapshot needs no server.
        using var db = new PostgresGraderDb(new DbContextOptionsBuilder<PostgresGraderDb>().UseNpgsql("Host=unused;Database=unused").Options);

        Assert.False(db.Database.HasPendingModelChanges(), "The model has changes no PostgreSQL migration covers: run dotnet ef migrations add --context PostgresGraderDb.");
        Assert.Contains(db.Database.GetMigrations(), m => m.EndsWith("_Initial", StringComparison.Ordinal));
    }

    private static string Flatten(Exception error)
    {
        var text = new System.Text.StringBuilder();
        for (var e = error; e is not null; e = e.InnerException)
        {
            text.AppendLine(e.Message);
            if (e is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions)
                {
                    text.AppendLine(Flatten(inner));
                }
            }
        }
        return text.ToString();
    }
}
