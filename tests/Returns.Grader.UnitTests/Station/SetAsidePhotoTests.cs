using AngleSharp.Dom;
using Bunit;
using Microsoft.EntityFrameworkCore;
using Returns.Grader.TestSupport;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Features.Photos;

namespace Returns.Grader.UnitTests.Station;

/// <summary>
/// A photo of another item set aside at the station (ADR 0052): its boxes, the model's and the associate's own, leave the
/// form, the strip no longer shows it among the item's photos, and the grade saved after has no box on it; put back, it
/// is in the strip again with the associate's box. The suggestion worked out again is the API tests' part.
/// </summary>
public sealed class SetAsidePhotoTests() : StationPageTestBase(new GraderAppFactory())
{
    [Fact]
    public async Task APhotoSetAside_TakesItsBoxesOffTheForm_AndIsNotInTheSavedGrade_AndComesBackWhenPutBack()
    {
        var (plate, item) = await CreateItemAsync();
        var added = await Service<PhotoIntake>().AddAsync(item.Id,
            [new IncomingPhoto("right.jpg", TestPhotos.PhotoLikeJpeg(640, 480, seed: 5)), new IncomingPhoto("wrong.jpg", TestPhotos.ProductJpeg())],
            Grader, CancellationToken.None);
        var wrong = added!.Single(r => r.Photo.OriginalFileName == "wrong.jpg").Photo.Id;
        var station = await OpenAtTheStationAsync(plate);
        await station.InvokeAsync(() => station.Instance.OnRegionDrawn(wrong.ToString(), 20, 20, 120, 90));
        station.WaitForAssertion(() => Assert.Contains(station.FindAll($"[data-testid=regions] .region-row[data-photo-id='{wrong}']"),
            row => row.GetAttribute("data-region-source") == "added"));

        var frame = station.FindAll(".photo-frame").Single(f => f.QuerySelector($"img[data-photo-id='{wrong}']") is not null);
        await frame.QuerySelector("[data-testid=set-aside-photo]")!.ClickAsync(new());
        await station.FindAll(".photo-frame").Single(f => f.QuerySelector($"img[data-photo-id='{wrong}']") is not null)
            .QuerySelector("[data-testid=set-aside-wrong-item]")!.ClickAsync(new());

        station.WaitForAssertion(() => Assert.Single(station.FindAll("[data-testid=set-aside-entry]")));
        Assert.Empty(station.FindAll($"[data-testid=regions] .region-row[data-photo-id='{wrong}']"));
        Assert.Empty(station.FindAll($".photo-frame img[data-photo-id='{wrong}']"));
        Assert.Single(station.FindAll(".photo-frame"));
        await using (var db = await Service<IDbContextFactory<GraderDb>>().CreateDbContextAsync())
        {
            Assert.Equal(PhotoSetAsideReason.WrongItem, (await db.Photos.SingleAsync(p => p.Id == wrong)).SetAsideReason);
        }

        await station.Find("[data-testid=put-back-photo]").ClickAsync(new());
        station.WaitForAssertion(() => Assert.Empty(station.FindAll("[data-testid=set-aside-entry]")));
        Assert.Equal(2, station.FindAll(".photo-frame").Count);
        // Put back is the undo of a mistaken set-aside: the associate's box on it comes back with it.
        Assert.Contains(station.FindAll($"[data-testid=regions] .region-row[data-photo-id='{wrong}']"), row => row.GetAttribute("data-region-source") == "added");

        // Set aside again, then graded: the saved grade has no box on that photo (the ledger would refuse one).
        await station.FindAll(".photo-frame").Single(f => f.QuerySelector($"img[data-photo-id='{wrong}']") is not null)
            .QuerySelector("[data-testid=set-aside-photo]")!.ClickAsync(new());
        await station.FindAll(".photo-frame").Single(f => f.QuerySelector($"img[data-photo-id='{wrong}']") is not null)
            .QuerySelector("[data-testid=set-aside-unusable]")!.ClickAsync(new());
        station.WaitForAssertion(() => Assert.Single(station.FindAll("[data-testid=set-aside-entry]")));
        await station.InvokeAsync(() => station.Instance.OnGradeKey(1));
        await station.InvokeAsync(() => station.Instance.OnSubmitKey());
        station.WaitForAssertion(() => Assert.Empty(station.FindAll("[data-testid=item]")));
        await using (var db = await Service<IDbContextFactory<GraderDb>>().CreateDbContextAsync())
        {
            Assert.Equal(1, await db.GradeDecisions.CountAsync(d => d.ReturnItemId == item.Id));
            Assert.False(await db.DamageRegions.AnyAsync(r => r.Decision!.ReturnItemId == item.Id && r.PhotoId == wrong));
        }
    }

    /// <summary>
    /// A reload between a set-aside elsewhere and a put-back elsewhere: the draft's "not damage" on the model's box waited
    /// for a "Put back" here that was gone once the photo counted again, and the model's box came back as suggested; a
    /// later set-aside and put-back here then brought the old change back over newer ones (regression pass, 2026-12-07).
    /// It is applied once the suggestion has put the model's box back.
    /// </summary>
    [Fact]
    public async Task ADraftsNotDamage_OnAPhotoPutBackElsewhere_ComesBackAfterAReload()
    {
        var (itemId, plate) = await PrefilledItemAsync(); // a product photo the model prefills, with boxes
        var added = await Service<PhotoIntake>().AddAsync(itemId, [new IncomingPhoto("v.jpg", TestPhotos.ProductJpeg("09-unsellable.jpg"))], Grader, CancellationToken.None);
        var second = added!.Single().Photo.Id;
        var station = await OpenAtTheStationAsync(plate);
        station.WaitForAssertion(() => Assert.NotEmpty(station.FindAll($"[data-testid=regions] .region-row[data-region-source=model]:not([data-photo-id='{second}'])")));
        var photo = Guid.Parse(station.FindAll($"[data-testid=regions] .region-row[data-region-source=model]:not([data-photo-id='{second}'])")[0].GetAttribute("data-photo-id")!);
        for (var step = 0; step < 20 && station.FindAll($".region-row.region-selected[data-photo-id='{photo}']").Count == 0; step++)
        {
            await station.InvokeAsync(() => station.Instance.OnRegionKey("next", 0)); // to a box on the first photo
        }
        await station.InvokeAsync(() => station.Instance.OnRegionKey("reject", 0)); // "not damage"
        station.WaitForAssertion(() => Assert.Single(station.FindAll($"[data-testid=regions] .region-row[data-region-source=deleted][data-photo-id='{photo}']")));
        var supervisor = new Web.Auth.Actor("test:sup", "Sue Pervisor", Web.Auth.Roles.Supervisor);
        async Task SetTheSecondAsideHere(IRenderedComponent<Web.Features.Station.Station> page)
        {
            // refused, as the item changed meanwhile: what the station does then is read it again
            IElement Frame() => page.FindAll(".photo-frame").Single(f => f.QuerySelector($"img[data-photo-id='{second}']") is not null);
            await Frame().QuerySelector("[data-testid=set-aside-photo]")!.ClickAsync(new());
            await Frame().QuerySelector("[data-testid=set-aside-wrong-item]")!.ClickAsync(new());
            page.WaitForAssertion(() => Assert.Contains("nothing was set aside", page.Find("[data-testid=station-message]").TextContent, StringComparison.Ordinal));
        }
        await Service<PhotoSetAside>().SetAsideAsync(photo, PhotoSetAsideReason.WrongItem, supervisor, null, CancellationToken.None);
        await SetTheSecondAsideHere(station);
        station.WaitForAssertion(() => Assert.Empty(station.FindAll($"[data-testid=regions] .region-row[data-photo-id='{photo}']")));

        var reloaded = ReloadWithTheDraft(station, plate, "SetAsideRegions\":[{");
        await Service<PhotoSetAside>().PutBackAsync(photo, supervisor, null, CancellationToken.None);
        await SetTheSecondAsideHere(reloaded);

        reloaded.WaitForAssertion(() => Assert.Single(reloaded.FindAll($"[data-testid=regions] .region-row[data-region-source=deleted][data-photo-id='{photo}']")));
    }
}

/// <summary>The station in manual mode (no model, so no box but the associate's): a photo set aside by someone else.</summary>
public sealed class SetAsideElsewhereStationTests() : StationPageTestBase(new GraderAppFactory { Settings = { ["Grader:Vision:ModelDirectory"] = "" } })
{
    /// <summary>
    /// Set aside by someone else (another tab, a supervisor) while the item is open here: the save is refused as changed,
    /// and the reload takes the box on that photo off the form (left on, every save was refused for a box on a photo no
    /// longer shown); the save after goes through without it.
    /// </summary>
    [Fact]
    public async Task APhotoSetAsideElsewhere_TakesItsBoxOffTheFormAtTheRefusedSave_AndTheNextSaveGoesThrough()
    {
        var (plate, item, other) = await ItemWithTwoPhotosAsync(seed: 7);
        var station = await OpenAtTheStationAsync(plate);
        await station.InvokeAsync(() => station.Instance.OnRegionDrawn(other.ToString(), 20, 20, 120, 90));
        station.WaitForAssertion(() => Assert.Single(station.FindAll($"[data-testid=regions] .region-row[data-photo-id='{other}']")));
        // the row says which photo the box is on, by the photo's place on the page (it did not say; exploratory pass, 2026-12-06)
        var place = station.FindAll(".photo-frame").ToList().FindIndex(f => f.QuerySelector($"img[data-photo-id='{other}']") is not null) + 1;
        Assert.True(place > 0);
        Assert.Equal($"on photo {place}", station.Find($"[data-testid=regions] .region-row[data-photo-id='{other}'] [data-testid=region-photo]").TextContent.Trim());
        // the grade the rubric gives one scratch (a new box's type), so that the save needs no reason
        var rubricGrade = Service<Web.Features.Grading.RubricCatalog>().Active.GradeFor([DamageType.Scratch]);
        await station.InvokeAsync(() => station.Instance.OnGradeKey((int)rubricGrade + 1));

        await Service<PhotoSetAside>().SetAsideAsync(other, PhotoSetAsideReason.WrongItem, new Web.Auth.Actor("test:sup", "Sue Pervisor", Web.Auth.Roles.Supervisor), null, CancellationToken.None);
        await station.InvokeAsync(() => station.Instance.OnSubmitKey());

        station.WaitForAssertion(() => Assert.Contains("set aside elsewhere", station.Find("[data-testid=station-message]").TextContent, StringComparison.Ordinal), TimeSpan.FromSeconds(3));
        Assert.Empty(station.FindAll($"[data-testid=regions] .region-row[data-photo-id='{other}']"));
        Assert.Single(station.FindAll("[data-testid=set-aside-entry]"));
        Assert.Equal(0, await DecisionCountAsync(item.Id));
        await station.InvokeAsync(() => station.Instance.OnGradeKey(1)); // no damage left: Like new is the rubric's
        await station.InvokeAsync(() => station.Instance.OnSubmitKey());
        station.WaitForAssertion(() => Assert.Empty(station.FindAll("[data-testid=item]")));
        Assert.Equal(1, await DecisionCountAsync(item.Id));
    }

    /// <summary>
    /// A reload between set-aside and put-back (exploratory pass of the set-aside): the box drawn on the photo was lost,
    /// as the draft in the tab's storage did not hold what was kept aside with it. It does now, and "Put back" after the
    /// reload brings the box back; a box on a photo set aside elsewhere before the reload is said to be kept with it.
    /// </summary>
    [Fact]
    public async Task BoxesKeptAsideWithAPhoto_SurviveAReload_AndComeBackWithPutBack()
    {
        var (plate, item, other) = await ItemWithTwoPhotosAsync(seed: 9);
        var station = await OpenAtTheStationAsync(plate);
        await station.InvokeAsync(() => station.Instance.OnRegionDrawn(other.ToString(), 30, 30, 100, 80));
        station.WaitForAssertion(() => Assert.Single(station.FindAll($"[data-testid=regions] .region-row[data-photo-id='{other}']")));
        await station.FindAll(".photo-frame").Single(f => f.QuerySelector($"img[data-photo-id='{other}']") is not null)
            .QuerySelector("[data-testid=set-aside-photo]")!.ClickAsync(new());
        await station.FindAll(".photo-frame").Single(f => f.QuerySelector($"img[data-photo-id='{other}']") is not null)
            .QuerySelector("[data-testid=set-aside-wrong-item]")!.ClickAsync(new());
        station.WaitForAssertion(() => Assert.Single(station.FindAll("[data-testid=set-aside-entry]")));

        var reloaded = ReloadWithTheDraft(station, plate, "SetAsideRegions\":[{");
        reloaded.WaitForAssertion(() => Assert.Contains("1 box on a photo set aside is kept with it", reloaded.Find("[data-testid=station-message]").TextContent, StringComparison.Ordinal));
        Assert.Empty(reloaded.FindAll("[data-testid=regions] .region-row"));
        await reloaded.Find("[data-testid=put-back-photo]").ClickAsync(new());

        reloaded.WaitForAssertion(() => Assert.Empty(reloaded.FindAll("[data-testid=set-aside-entry]")));
        var back = Assert.Single(reloaded.FindAll($"[data-testid=regions] .region-row[data-photo-id='{other}']"));
        Assert.Equal("added", back.GetAttribute("data-region-source"));
        // The message no longer says the box is kept with the photo (it said so after the box was back; exploratory pass).
        var message = reloaded.Find("[data-testid=station-message]").TextContent;
        Assert.Contains("Your unsaved choices for", message, StringComparison.Ordinal);
        Assert.DoesNotContain("set aside", message, StringComparison.Ordinal);
    }

    /// <summary>
    /// A set-aside refused because the item changed meanwhile (a photo uploaded elsewhere) leaves the form as it was: the
    /// saved grade's box on the photo was added a second time, and a correction saved it twice (review of the fixes).
    /// </summary>
    [Fact]
    public async Task ARefusedSetAside_AddsNoBoxASecondTime()
    {
        var (plate, item, other) = await ItemWithTwoPhotosAsync(seed: 13);
        await Service<Web.Features.Decisions.DecisionLedger>().DecideAsync(item.Id, new Web.Features.Decisions.GradeRequest("VeryGood", "resell_used",
            [new Web.Features.Decisions.DamageInput(other, "scratch", [30, 30, 100, 80], "added")], null), Grader, CancellationToken.None);
        var station = await OpenAtTheStationAsync(plate);
        station.WaitForAssertion(() => Assert.Single(station.FindAll($"[data-testid=regions] .region-row[data-photo-id='{other}']")));
        await Service<PhotoIntake>().AddAsync(item.Id, [new IncomingPhoto("c.jpg", TestPhotos.PhotoLikeJpeg(640, 480, seed: 15))], Grader, CancellationToken.None);

        await station.FindAll(".photo-frame").Single(f => f.QuerySelector($"img[data-photo-id='{other}']") is not null)
            .QuerySelector("[data-testid=set-aside-photo]")!.ClickAsync(new());
        await station.FindAll(".photo-frame").Single(f => f.QuerySelector($"img[data-photo-id='{other}']") is not null)
            .QuerySelector("[data-testid=set-aside-wrong-item]")!.ClickAsync(new());

        station.WaitForAssertion(() => Assert.Contains("nothing was set aside", station.Find("[data-testid=station-message]").TextContent, StringComparison.Ordinal));
        Assert.Equal(3, station.FindAll(".photo-frame").Count);
        Assert.Single(station.FindAll($"[data-testid=regions] .region-row[data-photo-id='{other}']"));
    }

    /// <summary>
    /// Someone set a photo aside and graded the item while it was open here: the save, refused for the box on that photo,
    /// follows their grade (Enter no longer replaces it) rather than taking the new version in silently, after which the
    /// next Enter saved the associate's form over their grade (review of the fixes).
    /// </summary>
    [Fact]
    public async Task ASaveRefusedForABoxOnAPhotoSetAsideElsewhere_FollowsTheirGrade_AndEnterDoesNotReplaceIt()
    {
        var (plate, item, other) = await ItemWithTwoPhotosAsync(seed: 16);
        var station = await OpenAtTheStationAsync(plate);
        await station.InvokeAsync(() => station.Instance.OnRegionDrawn(other.ToString(), 20, 20, 120, 90));
        var rubricGrade = Service<Web.Features.Grading.RubricCatalog>().Active.GradeFor([DamageType.Scratch]);
        await station.InvokeAsync(() => station.Instance.OnGradeKey((int)rubricGrade + 1));
        var supervisor = new Web.Auth.Actor("test:sup", "Sue Pervisor", Web.Auth.Roles.Supervisor);
        await Service<PhotoSetAside>().SetAsideAsync(other, PhotoSetAsideReason.WrongItem, supervisor, null, CancellationToken.None);
        await Service<Web.Features.Decisions.DecisionLedger>().DecideAsync(item.Id, new Web.Features.Decisions.GradeRequest("LikeNew", "restock", [], null), supervisor, CancellationToken.None);

        await station.InvokeAsync(() => station.Instance.OnSubmitKey());
        station.WaitForAssertion(() => Assert.Contains("Sue Pervisor", station.Find("[data-testid=station-message]").TextContent, StringComparison.Ordinal));
        await station.InvokeAsync(() => station.Instance.OnSubmitKey());

        Assert.Equal(1, await DecisionCountAsync(item.Id));
        Assert.Empty(station.FindAll($"[data-testid=regions] .region-row[data-photo-id='{other}']"));
    }

    /// <summary>
    /// The associate's box leaves the form with a photo set aside elsewhere: after an upload of the station's own, and after
    /// a set-aside of its own refused as changed, it went without a word (two-node pass, 2026-12-07). Said now, with the
    /// way back ("Put back").
    /// </summary>
    [Fact]
    public async Task TheAssociatesBoxOnAPhotoSetAsideElsewhere_IsSaidToHaveLeft_WhenAnUploadBringsTheChange()
    {
        var (item, other, station) = await OpenWithABoxOnTheOtherPhotoAsync(seed: 21);
        await Service<PhotoSetAside>().SetAsideAsync(other, PhotoSetAsideReason.Unusable, Supervisor, null, CancellationToken.None);

        await UploadAtTheStationAsync(station, item, "up-1", seed: 23);

        station.WaitForAssertion(() => Assert.Contains("A box on a photo set aside elsewhere left the form with it", station.Find("[data-testid=station-message]").TextContent, StringComparison.Ordinal));
        Assert.Empty(station.FindAll($"[data-testid=regions] .region-row[data-photo-id='{other}']"));
        await station.Find("[data-testid=put-back-photo]").ClickAsync(new());
        station.WaitForAssertion(() => Assert.Single(station.FindAll($"[data-testid=regions] .region-row[data-photo-id='{other}']")));
    }

    /// <summary>
    /// The photo put back elsewhere (the supervisor who set it aside saw the mistake): the box kept with it stayed hidden,
    /// with no "Put back" left to press here, and the grade was saved without it (review of the fix above, 2026-12-07). It
    /// comes back to the form at the next read of the item, said so, and is saved.
    /// </summary>
    [Fact]
    public async Task ABoxKeptWithAPhotoSetAsideElsewhere_ComesBack_WhenThePhotoIsPutBackElsewhere()
    {
        var (item, other, station) = await OpenWithABoxOnTheOtherPhotoAsync(seed: 27);
        await Service<PhotoSetAside>().SetAsideAsync(other, PhotoSetAsideReason.WrongItem, Supervisor, null, CancellationToken.None);
        await UploadAtTheStationAsync(station, item, "up-1", seed: 28);
        station.WaitForAssertion(() => Assert.Empty(station.FindAll($"[data-testid=regions] .region-row[data-photo-id='{other}']")));

        await Service<PhotoSetAside>().PutBackAsync(other, Supervisor, null, CancellationToken.None);
        await UploadAtTheStationAsync(station, item, "up-2", seed: 29);

        station.WaitForAssertion(() => Assert.Contains("A box kept with a photo put back elsewhere is on the form again", station.Find("[data-testid=station-message]").TextContent, StringComparison.Ordinal));
        Assert.Single(station.FindAll($"[data-testid=regions] .region-row[data-photo-id='{other}']"));
        Assert.Empty(station.FindAll("[data-testid=set-aside-entry]"));
        var rubricGrade = Service<Web.Features.Grading.RubricCatalog>().Active.GradeFor([DamageType.Scratch]);
        await station.InvokeAsync(() => station.Instance.OnGradeKey((int)rubricGrade + 1));
        await station.InvokeAsync(() => station.Instance.OnSubmitKey());
        station.WaitForAssertion(() => Assert.Empty(station.FindAll("[data-testid=item]")));
        await using var db = await Service<IDbContextFactory<GraderDb>>().CreateDbContextAsync();
        Assert.Equal(other, Assert.Single(await db.DamageRegions.Where(r => r.Decision!.ReturnItemId == item.Id).ToListAsync()).PhotoId);
    }

    [Fact]
    public async Task TheAssociatesBoxOnAPhotoSetAsideElsewhere_IsSaidToHaveLeft_WhenTheirOwnSetAsideIsRefused()
    {
        var (item, other, station) = await OpenWithABoxOnTheOtherPhotoAsync(seed: 25);
        await Service<PhotoSetAside>().SetAsideAsync(other, PhotoSetAsideReason.WrongItem, Supervisor, null, CancellationToken.None);

        // Here the other photo (a.jpg) is set aside, against the item as shown: refused, as it changed meanwhile.
        IElement FirstPhoto() => station.FindAll(".photo-frame").First(f => f.QuerySelector("img[data-photo-id]") is { } img && img.GetAttribute("data-photo-id") != other.ToString());
        await FirstPhoto().QuerySelector("[data-testid=set-aside-photo]")!.ClickAsync(new());
        await FirstPhoto().QuerySelector("[data-testid=set-aside-unusable]")!.ClickAsync(new());

        station.WaitForAssertion(() => Assert.Contains("nothing was set aside", station.Find("[data-testid=station-message]").TextContent, StringComparison.Ordinal));
        Assert.Contains("A box on a photo set aside elsewhere left the form with it", station.Find("[data-testid=station-message]").TextContent, StringComparison.Ordinal);
        Assert.Empty(station.FindAll($"[data-testid=regions] .region-row[data-photo-id='{other}']"));
        Assert.Equal(0, await DecisionCountAsync(item.Id));
    }

    private static readonly Web.Auth.Actor Supervisor = new("test:sup", "Sue Pervisor", Web.Auth.Roles.Supervisor);

    /// <summary>An item with two photos open at the station, a box drawn on the second (Other).</summary>
    private async Task<(ReturnItem Item, Guid Other, IRenderedComponent<Web.Features.Station.Station> Station)> OpenWithABoxOnTheOtherPhotoAsync(int seed)
    {
        var (plate, item, other) = await ItemWithTwoPhotosAsync(seed);
        var station = await OpenAtTheStationAsync(plate);
        await station.InvokeAsync(() => station.Instance.OnRegionDrawn(other.ToString(), 20, 20, 120, 90));
        station.WaitForAssertion(() => Assert.Single(station.FindAll($"[data-testid=regions] .region-row[data-photo-id='{other}']")));
        return (item, other, station);
    }

    /// <summary>The station's own upload of one photo, as station.js reports it once the endpoint answered 201.</summary>
    private async Task UploadAtTheStationAsync(IRenderedComponent<Web.Features.Station.Station> station, ReturnItem item, string uploadId, int seed)
    {
        await station.InvokeAsync(() => station.Instance.TakesPhotosFor(item.Id.ToString(), [uploadId], [$"{uploadId}.jpg"]));
        await Service<PhotoIntake>().AddAsync(item.Id, [new IncomingPhoto($"{uploadId}.jpg", TestPhotos.PhotoLikeJpeg(640, 480, seed: seed))], Grader, CancellationToken.None);
        await station.InvokeAsync(() => station.Instance.OnUploadFinished(uploadId, 201, "{}"));
    }

    /// <summary>An item with two photos ("a.jpg" and "b.jpg", made from seed and seed + 1); Other is b's id.</summary>
    private async Task<(string Plate, ReturnItem Item, Guid Other)> ItemWithTwoPhotosAsync(int seed)
    {
        var (plate, item) = await CreateItemAsync();
        var added = await Service<PhotoIntake>().AddAsync(item.Id,
            [new IncomingPhoto("a.jpg", TestPhotos.PhotoLikeJpeg(640, 480, seed: seed)), new IncomingPhoto("b.jpg", TestPhotos.PhotoLikeJpeg(640, 480, seed: seed + 1))],
            Grader, CancellationToken.None);
        return (plate, item, added!.Single(r => r.Photo.OriginalFileName == "b.jpg").Photo.Id);
    }
}
