using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Returns.Grader.TestSupport;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Features.Decisions;
using Returns.Grader.Web.Features.Quality;

namespace Returns.Grader.IntegrationTests.Quality;

/// <summary>
/// The dashboard's daily counts (ADR 0008) against the live queries over the same decisions: grades, corrections that
/// move a review task between associates, photos with the real model's suggestions, and supervisors' reviews, all made
/// through the real API on a real SQLite file and on PostgreSQL (each provider's hand-written upserts).
/// </summary>
public sealed class QualityCountsTests : IClassFixture<GraderAppsByProvider>
{
    private readonly GraderAppsByProvider apps;

    public QualityCountsTests(GraderAppsByProvider apps)
    {
        this.apps = apps;
        // Half the items graded blind, so the acceptance figures have both kinds (set before the shared apps start).
        apps.Settings["Grader:Review:BlindShare"] = "0.5";
    }

    private static readonly string[] Categories = ["Kitchen", "Toys"];
    /// <summary>The actor id the dev-grader key signs in as.</summary>
    private const string Grader = "apikey:dev-grader";
    private static readonly string[] Grades = ["LikeNew", "VeryGood", "Good", "Acceptable", "Unsellable"];
    private static readonly string[][] DamageSets = [[], ["scratch"], ["dent", "stain"], ["tear"], ["missing_part", "crack"]];

    [Theory, OnSqlite, OnPostgres]
    public async Task CountsGiveTheSameReportAsTheLiveQueries_ForEverySingleFilter_AndAfterARebuild(DatabaseProvider provider)
    {
        var app = apps[provider];
        var modelVersion = await SeedAsync(app);
        var today = DateTime.UtcNow.Date;
        var filters = new[]
        {
            new QualityFilter(today.AddDays(-1), today.AddDays(1)),
            new QualityFilter(),
            new QualityFilter(today.AddDays(-1), null, Category: "Toys"),
            new QualityFilter(today, today.AddDays(1), Associate: Grader),
            new QualityFilter(null, null, ModelVersion: modelVersion),
            new QualityFilter(today.AddDays(1), null), // a range with nothing in it
        };

        using var scope = app.Services.CreateScope();
        var metrics = scope.ServiceProvider.GetRequiredService<QualityMetrics>();
        var before = new List<QualityReport>();
        foreach (var filter in filters)
        {
            var counted = await metrics.ReportAsync(filter, CancellationToken.None);
            var live = await metrics.LiveReportAsync(filter, CancellationToken.None);
            Assert.Equal(QualityMetrics.FromDailyCounts, counted.Source);
            Assert.Equal(QualityMetrics.Live, live.Source);
            Assert.Empty(ReportComparison.Differences(live, counted));
            before.Add(counted);
        }
        // The seed is not trivially empty: each figure the comparison covers has something in it.
        var all = await metrics.ReportAsync(filters[0], CancellationToken.None);
        Assert.Equal(12, all.GraderVsFinal.Total);
        Assert.True(all.ModelVsFinal.Total > 0 && all.GraderVsModel.Total > 0 && all.Calibration.Count > 0);
        Assert.Contains(all.DamageTypeAgreement, d => d.Both > 0);
        Assert.Contains(all.ReviewRates, r => r.Reason == "Flagged" && r.Tasks == 12); // a correction without the flag keeps it (ADR 0056)
        Assert.NotEmpty(all.Throughput);
        var byGrader = await metrics.ReportAsync(filters[3], CancellationToken.None);
        Assert.True(byGrader.GraderVsFinal.Total > 0 && byGrader.GraderVsModel.Total > 0); // the associate slice is not empty
        var acceptance = Assert.Single(byGrader.SuggestionAcceptance);
        Assert.Equal(Grader, acceptance.AssociateId);
        Assert.Equal(byGrader.GraderVsModel.Total, acceptance.Shown + acceptance.Blind);

        var factory = scope.ServiceProvider.GetRequiredService<IDbContextFactory<GraderDb>>();
        await using (var db = await factory.CreateDbContextAsync())
        {
            await QualityCountRebuild.RebuildAsync(db, CancellationToken.None);
        }
        for (var i = 0; i < filters.Length; i++)
        {
            Assert.Empty(ReportComparison.Differences(before[i], await metrics.ReportAsync(filters[i], CancellationToken.None)));
        }
    }

    [Theory, OnSqlite, OnPostgres]
    public async Task CombinedFiltersAndPartDayRanges_AreComputedLive(DatabaseProvider provider)
    {
        var app = apps[provider];
        using var scope = app.Services.CreateScope();
        var metrics = scope.ServiceProvider.GetRequiredService<QualityMetrics>();

        var combined = await metrics.ReportAsync(new QualityFilter(Category: "Toys", Associate: Grader), CancellationToken.None);
        var partDay = await metrics.ReportAsync(new QualityFilter(DateTime.UtcNow.AddHours(-3)), CancellationToken.None);

        Assert.Equal(QualityMetrics.Live, combined.Source);
        Assert.Equal(QualityMetrics.Live, partDay.Source);
    }

    /// <summary>
    /// Every concurrently acknowledged grade is counted (in its own transaction, daily and hourly). SQLite serializes
    /// writers; PostgreSQL runs the transactions at once, so there the upserts on the same cells really race.
    /// Not shown: the SQL Server upsert under the same race (no engine here).
    /// </summary>
    [Theory, OnSqlite, OnPostgres]
    public async Task GradesSavedAtTheSameMoment_AreAllCounted(DatabaseProvider provider)
    {
        var app = apps[provider];
        var category = "Burst" + Guid.NewGuid().ToString("N")[..6];
        var client = app.ApiClient("dev-grader");
        var ids = new List<string>();
        for (var i = 0; i < 16; i++)
        {
            ids.Add((await client.CreateItemAsync(ApiJson.UniquePlate("QC"), 20m, category)).GetProperty("id").GetString()!);
        }

        var responses = await Task.WhenAll(ids.Select(id =>
            app.ApiClient("dev-grader").PostAsJsonAsync($"/api/v1/returns/{id}/grade", new { grade = "LikeNew", disposition = "restock" })));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        using var scope = app.Services.CreateScope();
        var report = await scope.ServiceProvider.GetRequiredService<QualityMetrics>().ReportAsync(new QualityFilter(Category: category), CancellationToken.None);
        Assert.Equal(QualityMetrics.FromDailyCounts, report.Source);
        Assert.Equal(16, report.Throughput.Sum(t => t.Decisions));
        await using var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<GraderDb>>().CreateDbContextAsync();
        Assert.Equal(16, await db.QualityDailyCounts
            .Where(c => c.Scope == QualityScope.Category && c.ScopeValue == category && c.Figure == QualityFigure.StationDecisions).SumAsync(c => c.Count));
    }

    /// <summary>
    /// Counts missing (the upgrade that added them), or present without this definition's marker (the upgrade that
    /// changed their rule, while a node of the previous release still wrote rows): rebuilt once, then left alone. The
    /// rebuild ran only when no row at all existed, so one grade from an old node kept the old counts for good (diff
    /// review, 2026-12-06).
    /// </summary>
    [Theory, OnSqlite, OnPostgres]
    public async Task MissingOrStaleCounts_AreRebuiltFromTheDecisions(DatabaseProvider provider)
    {
        var app = apps[provider];
        var category = "Rebuild" + Guid.NewGuid().ToString("N")[..6];
        var client = app.ApiClient("dev-grader");
        var id = (await client.CreateItemAsync(ApiJson.UniquePlate("QC"), 20m, category)).GetProperty("id").GetString();
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new { grade = "Good", disposition = "resell_used" })).StatusCode);
        using var scope = app.Services.CreateScope();
        var factory = scope.ServiceProvider.GetRequiredService<IDbContextFactory<GraderDb>>();
        await using var db = await factory.CreateDbContextAsync();
        await db.QualityDailyCounts.ExecuteDeleteAsync();
        await db.QualityHourlyCounts.ExecuteDeleteAsync();

        Assert.True(await QualityCountRebuild.RebuildIfStaleAsync(db, CancellationToken.None));
        Assert.False(await QualityCountRebuild.RebuildIfStaleAsync(db, CancellationToken.None));
        var metrics = scope.ServiceProvider.GetRequiredService<QualityMetrics>();
        Assert.Equal(1, (await metrics.ReportAsync(new QualityFilter(Category: category), CancellationToken.None)).Throughput.Sum(t => t.Decisions));

        // Counts written under the previous rule: rows, no marker of this definition (a stray count stands for them).
        await db.QualityDailyCounts.Where(c => c.Figure == QualityFigure.CountsDefinition).ExecuteDeleteAsync();
        await db.QualityDailyCounts.Where(c => c.Scope == QualityScope.Category && c.ScopeValue == category && c.Figure == QualityFigure.StationDecisions)
            .ExecuteUpdateAsync(u => u.SetProperty(c => c.Count, 7));
        Assert.True(await QualityCountRebuild.RebuildIfStaleAsync(db, CancellationToken.None));
        Assert.False(await QualityCountRebuild.RebuildIfStaleAsync(db, CancellationToken.None));
        Assert.Equal(1, await db.QualityDailyCounts
            .Where(c => c.Scope == QualityScope.Category && c.ScopeValue == category && c.Figure == QualityFigure.StationDecisions).SumAsync(c => c.Count));
    }

    /// <summary>
    /// Twelve reviewed items over two categories, photographed (the model suggests), graded by dev-grader, four of them
    /// corrected by dev-supervisor at the station (the open task moves to them), then decided by a supervisor; and a few
    /// graded items that are never reviewed. Returns the model version that suggested.
    /// </summary>
    private static async Task<string> SeedAsync(GraderAppFactory app)
    {
        var grader = app.ApiClient("dev-grader");
        var corrector = app.ApiClient("dev-admin"); // not the reviewer: a review is a second person's look
        var supervisor = app.ApiClient("dev-supervisor");
        string? modelVersion = null;
        for (var i = 0; i < 16; i++)
        {
            var id = (await grader.CreateItemAsync(ApiJson.UniquePlate("QC"), 10m + 7 * i, Categories[i % 2])).GetProperty("id").GetString();
            var upload = await grader.PostAsync($"/api/v1/returns/{id}/photos", ApiJson.PhotoForm(
                ("a.jpg", TestPhotos.PhotoLikeJpeg(640, 480, seed: i), "image/jpeg")));
            Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
            // A blind item's upload answers the grader without the suggestion (ADR 0022); the next item will tell.
            var suggestion = (await upload.ReadJsonAsync()).GetProperty("photos")[0].GetProperty("suggestion");
            modelVersion ??= suggestion.ValueKind == System.Text.Json.JsonValueKind.Object ? suggestion.GetProperty("modelVersion").GetString() : null;
            var reviewed = i < 12;
            Assert.Equal(HttpStatusCode.Created, (await grader.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new
            {
                grade = Grades[i % 5], disposition = "liquidate", flagForReview = reviewed, contradictionReason = "test",
                damage = DamageSets[i % 5].Select(t => new { type = t }),
            })).StatusCode);
            if (i % 3 == 0)
            {
                Assert.Equal(HttpStatusCode.Created, (await corrector.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new
                {
                    grade = Grades[(i + 1) % 5], disposition = "liquidate", contradictionReason = "test",
                    damage = DamageSets[(i + 1) % 5].Select(t => new { type = t }),
                })).StatusCode);
            }
            if (!reviewed)
            {
                continue;
            }
            var task = (await (await grader.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync()).GetProperty("reviews")[0].GetProperty("taskId").GetString();
            Assert.Equal(HttpStatusCode.OK, (await supervisor.PostAsync($"/api/v1/review-queue/{task}/claim", null)).StatusCode);
            Assert.Equal(HttpStatusCode.Created, (await supervisor.PostAsJsonAsync($"/api/v1/review-queue/{task}/decision", new
            {
                // The reason says what the supervisor did: keeping the current grade is an approval (ReviewDesk checks it).
                grade = Grades[(i + i / 5) % 5], disposition = "liquidate",
                reasonCode = Grades[(i + i / 5) % 5] == Grades[(i % 3 == 0 ? i + 1 : i) % 5] ? "approved" : "wrong_grade",
                damage = DamageSets[(i + i / 5) % 5].Select(t => new { type = t }),
            })).StatusCode);
        }
        return modelVersion ?? throw new InvalidOperationException("The model gave no suggestion.");
    }
}
