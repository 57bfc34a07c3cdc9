using System.Text.Json;
using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Returns.Grader.TestSupport;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Features.Exports;

namespace Returns.Grader.UnitTests.Exports;

/// <summary>The exports page through the real services (bUnit's fallback is the app's container).</summary>
public sealed class ExportsPageTests : RealAppTestBase
{
    /// <summary>Issue 17 item 6: the button read "DOWNLOAD (1.2774286270141602.TOSTRING("0.0") MB)".</summary>
    [Theory]
    [InlineData(1_339_483L, "Download (1.3 MB)")]
    [InlineData(52_224L, "Download (51 KB)")]
    public async Task CompletedExport_DownloadButton_SaysItsSizeInWords(long bytes, string expected)
    {
        await AddCompletedExportAsync(bytes);

        var page = Render<ExportsPage>();

        page.WaitForAssertion(() => Assert.Equal(expected, page.Find("[data-testid=export-download]").TextContent.Trim()));
    }

    /// <summary>
    /// A date the picker cannot read is an error, not "no date" (exploratory pass, 2026-12-05): with "2026-02-30" typed,
    /// Count said every label matched and Start exported all of them.
    /// </summary>
    [Fact]
    public async Task ADateThePickerCannotRead_IsRefused_NotTakenAsNoDate()
    {
        var page = Render<ExportsPage>();
        await page.FindAll("input").First(i => i.GetAttribute("placeholder") == "yyyy-mm-dd").ChangeAsync(new Microsoft.AspNetCore.Components.ChangeEventArgs { Value = "2026-02-30" });

        await page.Find("[data-testid=export-count]").ClickAsync(new Microsoft.AspNetCore.Components.Web.MouseEventArgs());

        page.WaitForAssertion(() => Assert.Contains("\"Decided from\" is not a date", page.Find("[data-testid=export-errors]").TextContent, StringComparison.Ordinal));
        Assert.Empty(page.FindAll("[data-testid=export-preview]"));
    }

    [Fact]
    public void LeavingOutAFormatTheTrainingKitReads_IsPointedOut_AndAllFourAreChosenAtFirst()
    {
        var page = Render<ExportsPage>();
        Assert.Equal(4, page.FindAll("input[data-testid^=format-][checked]").Count);
        Assert.Empty(page.FindAll("[data-testid=not-trainable]"));

        page.Find("input[data-testid=format-coco]").Change(false);

        page.WaitForAssertion(() => Assert.Contains("cannot be retrained on", page.Find("[data-testid=not-trainable]").TextContent, StringComparison.Ordinal));
        Assert.Equal(3, page.FindAll("input[data-testid^=format-][checked]").Count);
    }

    [Fact]
    public void TheDates_CanBeTyped_NotOnlyPicked()
    {
        var page = Render<ExportsPage>();
        var pickers = page.FindComponents<MudBlazor.MudDatePicker>();

        // Read-only before: only the calendar could set them.
        pickers[0].Find("input").Change("2026-12-10");
        pickers[1].Find("input").Change("2026-12-01");
        page.Find("[data-testid=export-start]").Click();

        page.WaitForAssertion(() => Assert.Contains("\"Before\" must be a later date than \"Decided from\"", page.Find("[data-testid=export-errors]").TextContent, StringComparison.Ordinal));
        Assert.Equal(0, ExportCount());
    }

    [Fact]
    public void NoFormatTicked_IsSaidInThePagesWords_NotTheApisCodes_AndNothingStarts()
    {
        var page = Render<ExportsPage>();
        foreach (var format in new[] { "coco", "huggingface", "sagemaker", "csv" })
        {
            page.Find($"input[data-testid=format-{format}]").Change(false);
        }

        page.Find("[data-testid=export-start]").Click();

        var said = page.Find("[data-testid=export-errors]").TextContent;
        Assert.Contains("Tick at least one format to export.", said, StringComparison.Ordinal);
        Assert.DoesNotContain("huggingface", said, StringComparison.Ordinal); // "The formats are coco, huggingface, ..."
        Assert.Equal(0, ExportCount());

        // Ticking one again takes the words away at once, not at the next click (exploratory pass).
        page.Find("input[data-testid=format-coco]").Change(true);
        Assert.Empty(page.FindAll("[data-testid=export-errors]"));
    }

    [Fact]
    public async Task RefusedExport_IsSaidInPlainWords_TheFormStays_AndTheNextTryStarts()
    {
        var page = Render<ExportsPage>();
        page.Find("input[data-testid=format-coco]").Change(false); // a choice of the data scientist's
        var refusal = await RefusedWrites.OnAsync(App.DatabasePath, "ExportJobs");

        page.Find("[data-testid=export-start]").Click();

        page.WaitForAssertion(() => Assert.Contains("the export was not started", page.Find("[data-testid=export-errors]").TextContent, StringComparison.Ordinal));
        Assert.Equal(3, page.FindAll("input[data-testid^=format-][checked]").Count);
        Assert.Equal(0, ExportCount());

        await refusal.DisposeAsync();
        page.Find("[data-testid=export-start]").Click();
        page.WaitForAssertion(() => Assert.Equal(1, ExportCount()));
        page.WaitForAssertion(() => Assert.Empty(page.FindAll("[data-testid=export-errors]")));
    }

    /// <summary>
    /// An export waits for its snapshot to settle (ADR 0048): the row says when it starts, so that a minute in "Queued"
    /// does not look stuck; once that moment has passed (waiting behind another export) the row shows its progress.
    /// </summary>
    [Fact]
    public async Task AQueuedExport_SaysWhenItStarts_UntilThatMomentHasPassed()
    {
        var settling = DateTime.UtcNow.AddMinutes(5); // asked "in five minutes": its snapshot settles after that
        await AddQueuedExportAsync(1, settling);
        await AddQueuedExportAsync(2, DateTime.UtcNow.AddMinutes(-5));

        var page = Render<ExportsPage>();

        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=export-starts-at]")));
        Assert.Equal($"Starts at {settling:HH:mm:ss} UTC", page.Find("[data-testid=export-starts-at]").TextContent.Trim());
        Assert.Contains("returns-grader-labels-0001", page.Find("[data-testid=export-starts-at]").Closest("tr")!.TextContent, StringComparison.Ordinal);
    }

    /// <summary>An export asked with the wrong filter is cancelled from its row, after a second click on the row's question.</summary>
    [Fact]
    public async Task AQueuedExport_IsCancelledFromItsRow_AfterTheRowsQuestion_AndKeepItCancelsNothing()
    {
        await AddQueuedExportAsync(1, DateTime.UtcNow.AddMinutes(5));
        var page = Render<ExportsPage>();
        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=export-cancel]")));

        page.Find("[data-testid=export-cancel]").Click();
        page.Find("[data-testid=export-cancel-no]").Click();
        Assert.Empty(page.FindAll("[data-testid=export-cancel-question]"));
        Assert.Equal(ExportStatus.Queued, Status(1));

        page.Find("[data-testid=export-cancel]").Click();
        Assert.Equal("Cancel returns-grader-labels-0001", page.Find("[data-testid=export-cancel-yes]").TextContent.Trim());
        page.Find("[data-testid=export-cancel-yes]").Click();

        page.WaitForAssertion(() => Assert.Equal("cancelled", page.Find("[data-testid=exports] tbody tr").GetAttribute("data-status")));
        Assert.Equal(ExportStatus.Cancelled, Status(1));
        Assert.Empty(page.FindAll("[data-testid=export-cancel]"));
    }

    private ExportStatus Status(int number)
    {
        using var db = App.Services.GetRequiredService<IDbContextFactory<GraderDb>>().CreateDbContext();
        return db.ExportJobs.Single(j => j.Number == number).Status;
    }

    private async Task AddQueuedExportAsync(int number, DateTime createdAt)
    {
        await using var db = await App.Services.GetRequiredService<IDbContextFactory<GraderDb>>().CreateDbContextAsync();
        db.ExportJobs.Add(new ExportJob
        {
            Id = Guid.CreateVersion7(), Number = number, Status = ExportStatus.Queued, CreatedAt = createdAt,
            FilterJson = JsonSerializer.Serialize(ExportFilter.Parse(null, out _), JsonSerializerOptions.Web),
            RequestedById = "test:data", RequestedByName = "Test Data Scientist",
        });
        await db.SaveChangesAsync();
    }

    /// <summary>Synchronous, so that bUnit's WaitForAssertion can poll it.</summary>
    private int ExportCount()
    {
        using var db = App.Services.GetRequiredService<IDbContextFactory<GraderDb>>().CreateDbContext();
        return db.ExportJobs.Count();
    }

    /// <summary>Photos left out because the store had lost them are said beside the counts, not only in the package's card.</summary>
    [Fact]
    public async Task ACompletedExportWithPhotosMissingFromTheStore_SaysSoBesideItsCounts()
    {
        await AddCompletedExportAsync(52_224L, missingPhotos: 3);

        var page = Render<ExportsPage>();

        page.WaitForAssertion(() => Assert.StartsWith("3 photos were not in the photo store and are left out",
            page.Find("[data-testid=export-missing-photos]").TextContent.Trim(), StringComparison.Ordinal));
    }

    private async Task AddCompletedExportAsync(long bytes, long missingPhotos = 0)
    {
        var factory = App.Services.GetRequiredService<IDbContextFactory<GraderDb>>();
        await using var db = await factory.CreateDbContextAsync();
        var now = DateTime.UtcNow;
        db.ExportJobs.Add(new ExportJob
        {
            Id = Guid.CreateVersion7(),
            Number = 1,
            Status = ExportStatus.Completed,
            FilterJson = JsonSerializer.Serialize(ExportFilter.Parse(null, out _), JsonSerializerOptions.Web),
            RequestedById = "test:data",
            RequestedByName = "Test Data Scientist",
            CreatedAt = now,
            StartedAt = now,
            FinishedAt = now,
            ItemsTotal = 3,
            ItemsDone = 3,
            FileName = DatasetPackageWriter.PackageName(1) + ".zip",
            Sha256 = new string('a', 64),
            ByteSize = bytes,
            MissingPhotos = missingPhotos,
        });
        await db.SaveChangesAsync();
    }
}
