using Bunit;
using Microsoft.EntityFrameworkCore;
using Returns.Grader.TestSupport;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Features.Decisions;
using Returns.Grader.Web.Features.Photos;

namespace Returns.Grader.UnitTests.Station;

/// <summary>
/// What the associate left untouched follows what the item is after a save was refused as changed (review of the
/// session's diff, 2026-12-06): the model's prefilled grade, still preselected, replaced someone's chosen grade on
/// "Save as a correction"; and a photo kept from elsewhere was announced as someone's grade. With the shipped model, on
/// the sample photo it prefills (Unsellable).
/// </summary>
public sealed class StationConflictPrefillTests() : StationPageTestBase(new GraderAppFactory())
{
    /// <summary>Another tab grades the item Good meanwhile.</summary>
    private async Task OtherTabGradesGoodAsync(Guid itemId) =>
        await Service<DecisionLedger>().DecideAsync(itemId, new GradeRequest("Good", "resell_used", [], null, ContradictionReason: "checked"),
            new Web.Auth.Actor("test:other", "Other Tab", Web.Auth.Roles.Grader), CancellationToken.None);

    [Fact]
    public async Task AfterSomeoneElsesGrade_AFormWithNothingOfTheAssociatesOnIt_BecomesTheirGrade_WithNothingToSave()
    {
        var (itemId, plate) = await PrefilledItemAsync();
        var station = await OpenAtTheStationAsync(plate);
        station.WaitForAssertion(() => Assert.Equal("true", station.Find("[data-grade=Unsellable]").GetAttribute("aria-checked"))); // the premise
        await OtherTabGradesGoodAsync(itemId);

        await station.InvokeAsync(() => station.Instance.OnSubmitKey());

        station.WaitForAssertion(() => Assert.Contains("you had changed nothing", station.Find("[data-testid=station-message]").TextContent, StringComparison.Ordinal));
        Assert.Equal("true", station.Find("[data-grade=Good]").GetAttribute("aria-checked"));
        Assert.Equal("false", station.Find("[data-grade=Unsellable]").GetAttribute("aria-checked"));
        // Saving now saves nothing (the model's grade, which nobody chose, never replaces the grade somebody did).
        station.Find("button[data-testid=submit]").Click();
        station.WaitForAssertion(() => Assert.Empty(station.FindAll("[data-testid=item]")));
        Assert.Equal(1, await DecisionCountAsync(itemId));
    }

    [Fact]
    public async Task AfterSomeoneElsesGrade_TheAssociatesChoicesStay_AndTheModelsGradeIsTakenBack_SoReplacingTheirsTakesAChosenGrade()
    {
        var (itemId, plate) = await PrefilledItemAsync();
        var station = await OpenAtTheStationAsync(plate);
        station.WaitForAssertion(() => Assert.Equal("true", station.Find("[data-grade=Unsellable]").GetAttribute("aria-checked")));
        await station.Find("input[data-testid=notes]").InputAsync("the box is torn");
        await OtherTabGradesGoodAsync(itemId);

        await station.InvokeAsync(() => station.Instance.OnSubmitKey());

        station.WaitForAssertion(() => Assert.Contains("choose the grade yourself", station.Find("[data-testid=station-message]").TextContent, StringComparison.Ordinal));
        var message = station.Find("[data-testid=station-message]").TextContent;
        Assert.Contains($"{plate} was graded Good by Other Tab while it was open here, so yours was not saved.", message, StringComparison.Ordinal);
        Assert.DoesNotContain("Open it again", message, StringComparison.Ordinal); // said beside "shown below" (exploratory pass)
        Assert.Empty(station.FindAll("[data-grade][aria-checked=true]")); // the model's grade is no longer preselected
        Assert.Equal("the box is torn", station.Find("input[data-testid=notes]").GetAttribute("value"));
        Assert.Equal(1, await DecisionCountAsync(itemId));
    }

    /// <summary>Someone grades the item while a photo is on its way: the station follows, as after a refused save; Enter
    /// saved the model's prefill as a correction over their grade (review of the session's diff, 2026-12-06).</summary>
    [Fact]
    public async Task SomeoneGradingWhileAPhotoIsOnItsWay_IsFollowed_AndEnterDoesNotReplaceTheirGrade()
    {
        var (itemId, plate) = await PrefilledItemAsync();
        var station = await OpenAtTheStationAsync(plate);
        station.WaitForAssertion(() => Assert.Equal("true", station.Find("[data-grade=Unsellable]").GetAttribute("aria-checked")));
        await OtherTabGradesGoodAsync(itemId);

        // The station's own photo, as station.js reports it once the upload endpoint answered 201.
        var uploadId = "up-1";
        await station.InvokeAsync(() => station.Instance.TakesPhotosFor(itemId.ToString(), [uploadId], ["p2.jpg"]));
        await Service<PhotoIntake>().AddAsync(itemId, [new IncomingPhoto("p2.jpg", TestPhotos.ProductJpeg("09-unsellable.jpg"))], Grader, CancellationToken.None);
        await station.InvokeAsync(() => station.Instance.OnUploadFinished(uploadId, 201, "{}"));

        station.WaitForAssertion(() => Assert.Contains("you had changed nothing", station.Find("[data-testid=station-message]").TextContent, StringComparison.Ordinal));
        Assert.Equal("true", station.Find("[data-grade=Good]").GetAttribute("aria-checked"));
        await station.InvokeAsync(() => station.Instance.OnSubmitKey());
        station.WaitForAssertion(() => Assert.Empty(station.FindAll("[data-testid=item]")));
        Assert.Equal(1, await DecisionCountAsync(itemId)); // nothing of the associate's to save, and nothing saved
    }

    [Fact]
    public async Task APhotoKeptFromElsewhere_IsSaidAsSuch_NotAsSomeonesGrade()
    {
        var (itemId, plate) = await PrefilledItemAsync();
        var station = await OpenAtTheStationAsync(plate);
        await Service<PhotoIntake>().AddAsync(itemId, [new IncomingPhoto("u2.jpg", TestPhotos.ProductJpeg("09-unsellable.jpg"))], Grader, CancellationToken.None);

        await station.InvokeAsync(() => station.Instance.OnSubmitKey());

        station.WaitForAssertion(() => Assert.Contains("a photo was added, set aside or put back elsewhere", station.Find("[data-testid=station-message]").TextContent, StringComparison.Ordinal));
        Assert.DoesNotContain("Their grade", station.Find("[data-testid=station-message]").TextContent, StringComparison.Ordinal);
        Assert.Equal(2, station.FindAll("img[data-photo-id]").Count); // the item as it is now
        Assert.Equal(0, await DecisionCountAsync(itemId));
    }
}
