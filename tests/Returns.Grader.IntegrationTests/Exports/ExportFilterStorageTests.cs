using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Returns.Grader.TestSupport;
using Returns.Grader.Web.Data;

namespace Returns.Grader.IntegrationTests.Exports;

/// <summary>
/// An export's filter is stored as JSON in a column of 4 000 characters. Letters outside ASCII were written as \uXXXX (six
/// characters each), so ten Cyrillic categories of 100 letters passed the 3 000-character check and overflowed the column on
/// PostgreSQL: 500 (review of exports, 2026-12-06). SQLite does not enforce the length, so only the server shows it.
/// </summary>
public sealed class ExportFilterStorageTests(GraderAppsByProvider apps) : IClassFixture<GraderAppsByProvider>
{
    [Theory, OnSqlite, OnPostgres]
    public async Task CategoriesOutsideAscii_AreStoredAsTheyAre_AndReadBack(DatabaseProvider provider)
    {
        var data = apps[provider].ApiClient("dev-data");
        var categories = Enumerable.Range(0, 10).Select(i => $"{i}" + new string('Ж', 99)).ToArray();

        var started = await data.PostAsJsonAsync("/api/v1/exports", new { categories });

        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var id = (await started.ReadJsonAsync()).GetProperty("id").GetString();
        var export = await (await data.GetAsync($"/api/v1/exports/{id}")).ReadJsonAsync();
        Assert.Equal(categories, export.GetProperty("filter").GetProperty("categories").EnumerateArray().Select(c => c.GetString()));
        // As stored: letters as they are (SQLite would have kept the escaped form too, so the column is read, not only the answer)
        await using var db = await apps[provider].Services.GetRequiredService<IDbContextFactory<GraderDb>>().CreateDbContextAsync();
        var stored = await db.ExportJobs.Where(j => j.Id == Guid.Parse(id!)).Select(j => j.FilterJson).SingleAsync();
        Assert.Contains(categories[0], stored, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u", stored, StringComparison.Ordinal);
    }

    /// <summary>What the column cannot hold is refused up front, naming the field: quotes count twice as stored.</summary>
    [Theory, OnSqlite, OnPostgres]
    public async Task CategoriesTooLongAsStored_AreRefused_NamingTheField(DatabaseProvider provider)
    {
        var data = apps[provider].ApiClient("dev-data");
        var categories = Enumerable.Range(0, 20).Select(i => $"{i}" + new string('"', 99)).ToArray(); // 2 000 characters, 4 000 as stored

        var refused = await data.PostAsJsonAsync("/api/v1/exports", new { categories });

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("3,000 characters in all", (await refused.ReadJsonAsync()).GetProperty("errors").GetProperty("categories")[0].GetString(), StringComparison.Ordinal);
    }
}
