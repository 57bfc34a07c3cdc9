using System.Net;
using System.Net.Http.Json;
using Returns.Grader.TestSupport;

namespace Returns.Grader.IntegrationTests;

/// <summary>
/// Intake's photo-quality check through the real API (issue 17): a too-dark, blurred or over-exposed photo is stored with its warning, the upload
/// answer and the item say so, and a grade given while the item's photos carry the warning records it.
/// </summary>
public sealed class PhotoQualityWarningTests(GraderAppFactory app) : IClassFixture<GraderAppFactory>
{
    [Fact]
    public async Task ADarkPhoto_IsFlagged_AndTheGradeGivenWithItSaysSo()
    {
        var client = app.ApiClient();
        var id = (await client.CreateItemAsync(ApiJson.UniquePlate("DARK"))).GetProperty("id").GetString();

        var upload = await client.PostAsync($"/api/v1/returns/{id}/photos",
            ApiJson.PhotoForm(("dark.jpg", TestPhotos.DarkJpeg(), "image/jpeg"), ("fine.jpg", TestPhotos.ProductJpeg("01-likenew.jpg"), "image/jpeg")));

        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        var photos = (await upload.ReadJsonAsync()).GetProperty("photos");
        Assert.Equal(["dark"], photos[0].GetProperty("warnings").EnumerateArray().Select(w => w.GetString()));
        Assert.Empty(photos[1].GetProperty("warnings").EnumerateArray());
        var item = await (await client.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync();
        // the item lists photos of one upload in id order (same upload time), not in the order they were sent
        var darkId = photos[0].GetProperty("photoId").GetString();
        var listed = item.GetProperty("photos").EnumerateArray().ToDictionary(p => p.GetProperty("photoId").GetString()!,
            p => p.GetProperty("warnings").EnumerateArray().Select(w => w.GetString()).ToList());
        Assert.Equal(["dark"], listed[darkId!]);
        Assert.Single(listed, p => p.Value.Count > 0);

        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new { grade = "LikeNew", disposition = "restock" })).StatusCode);
        var decision = (await (await client.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync()).GetProperty("decisions")[0];
        Assert.Equal(["dark"], decision.GetProperty("photoWarnings").EnumerateArray().Select(w => w.GetString()));
    }

    [Fact]
    public Task ABlurredPhoto_IsFlaggedBlurred_AndTheGradeSaysSo() => OnePhotoIsFlagged_AndTheGradeSaysSo("BLUR", TestPhotos.BlurredJpeg(), "blurred");

    [Fact]
    public Task AnOverExposedPhoto_IsFlaggedOverExposed_AndTheGradeSaysSo() => OnePhotoIsFlagged_AndTheGradeSaysSo("BRIGHT", TestPhotos.OverExposedJpeg(), "overexposed");

    /// <summary>An item with one photo: the upload answer carries exactly <paramref name="warning"/>, and the grade given then records it.</summary>
    private async Task OnePhotoIsFlagged_AndTheGradeSaysSo(string platePrefix, byte[] photo, string warning)
    {
        var client = app.ApiClient();
        var id = (await client.CreateItemAsync(ApiJson.UniquePlate(platePrefix))).GetProperty("id").GetString();

        var upload = await client.PostAsync($"/api/v1/returns/{id}/photos", ApiJson.PhotoForm(("photo.jpg", photo, "image/jpeg")));

        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        Assert.Equal([warning], (await upload.ReadJsonAsync()).GetProperty("photos")[0].GetProperty("warnings").EnumerateArray().Select(w => w.GetString()));
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new { grade = "Good", disposition = "resell_used" })).StatusCode);
        var decision = (await (await client.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync()).GetProperty("decisions")[0];
        Assert.Equal([warning], decision.GetProperty("photoWarnings").EnumerateArray().Select(w => w.GetString()));
    }

    [Fact]
    public async Task AGradeWithGoodPhotos_RecordsNoWarning()
    {
        var client = app.ApiClient();
        var id = (await client.CreateItemAsync(ApiJson.UniquePlate("FINE"))).GetProperty("id").GetString();
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsync($"/api/v1/returns/{id}/photos", ApiJson.PhotoForm(("fine.jpg", TestPhotos.ProductJpeg("01-likenew.jpg"), "image/jpeg")))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new { grade = "LikeNew", disposition = "restock" })).StatusCode);

        var decision = (await (await client.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync()).GetProperty("decisions")[0];
        Assert.Empty(decision.GetProperty("photoWarnings").EnumerateArray());
    }

    /// <summary>
    /// The too-small-item warning's plumbing, with a model whose manifest has an item_size rule (tests/fixtures/
    /// tiny-item-size: random weights, a rule that calls every item too small). Whether a real model can tell a small
    /// item is models/training/item_size_study.py's question; the shipped model's own rule is the next test's.
    /// </summary>
    [Fact]
    public async Task AModelThatFindsTheItemTooSmall_AddsTheSmallWarning_AndTheGradeSaysSo()
    {
        using var sized = new GraderAppFactory();
        sized.Settings["Grader:Vision:ModelDirectory"] = Path.Combine(RepositoryPaths.Root, "tests", "fixtures", "tiny-item-size");
        var client = sized.ApiClient();
        var id = (await client.CreateItemAsync(ApiJson.UniquePlate("FAR"))).GetProperty("id").GetString();

        var upload = await client.PostAsync($"/api/v1/returns/{id}/photos",
            ApiJson.PhotoForm(("far.jpg", TestPhotos.ProductJpeg(), "image/jpeg"), ("dark.jpg", TestPhotos.DarkJpeg(), "image/jpeg")));

        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        var photos = (await upload.ReadJsonAsync()).GetProperty("photos");
        Assert.StartsWith("tiny-item-size@", photos[0].GetProperty("suggestion").GetProperty("modelVersion").GetString());
        Assert.Equal(["small"], photos[0].GetProperty("warnings").EnumerateArray().Select(w => w.GetString()));
        Assert.Equal(["dark", "small"], photos[1].GetProperty("warnings").EnumerateArray().Select(w => w.GetString())); // intake's own check first
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new { grade = "Good", disposition = "resell_used" })).StatusCode);
        var decision = (await (await client.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync()).GetProperty("decisions")[0];
        Assert.Equal(["dark", "small"], decision.GetProperty("photoWarnings").EnumerateArray().Select(w => w.GetString()));
    }

    /// <summary>
    /// The shipped model (4.2.0, ADR 0063) tells a far-away item itself: two sample photos taken as if from four times
    /// further away (the item a sixteenth of what it was, on its own backdrop) get the warning once both are in, the
    /// first one included; its rule needs two photos, so the first alone says nothing. The same samples as they are get
    /// none. (Their shares in PyTorch: 0.0067 and 0.0015 far away, 0.17 and 0.14 as they are; the line is 0.0292.)
    /// </summary>
    [Fact]
    public async Task TheShippedModel_FlagsAnItemPhotographedFromFarAway_OnceTwoOfItsPhotosAre()
    {
        var client = app.ApiClient();
        var far = (await client.CreateItemAsync(ApiJson.UniquePlate("FAR4"))).GetProperty("id").GetString();
        var near = (await client.CreateItemAsync(ApiJson.UniquePlate("NEAR"))).GetProperty("id").GetString();

        var first = await client.PostAsync($"/api/v1/returns/{far}/photos",
            ApiJson.PhotoForm(("far-1.jpg", TestPhotos.ZoomedOut(TestPhotos.ProductJpeg("04-good.jpg"), 4), "image/jpeg")));
        var firstAnswer = (await first.ReadJsonAsync()).GetProperty("photos")[0];
        var second = await client.PostAsync($"/api/v1/returns/{far}/photos",
            ApiJson.PhotoForm(("far-2.jpg", TestPhotos.ZoomedOut(TestPhotos.ProductJpeg("06-acceptable.jpg"), 4), "image/jpeg")));
        var nearUpload = await client.PostAsync($"/api/v1/returns/{near}/photos",
            ApiJson.PhotoForm(("near-1.jpg", TestPhotos.ProductJpeg("04-good.jpg"), "image/jpeg"), ("near-2.jpg", TestPhotos.ProductJpeg("06-acceptable.jpg"), "image/jpeg")));

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.StartsWith("grader-vit-v1@", firstAnswer.GetProperty("suggestion").GetProperty("modelVersion").GetString());
        Assert.Empty(firstAnswer.GetProperty("warnings").EnumerateArray());                  // one far photo: not yet
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        Assert.Equal(["small"], (await second.ReadJsonAsync()).GetProperty("photos")[0].GetProperty("warnings").EnumerateArray().Select(w => w.GetString()));
        var farItem = await (await client.GetAsync($"/api/v1/returns/{far}")).ReadJsonAsync();
        Assert.All(farItem.GetProperty("photos").EnumerateArray(),
            p => Assert.Equal(["small"], p.GetProperty("warnings").EnumerateArray().Select(w => w.GetString())));
        Assert.Equal(HttpStatusCode.Created, nearUpload.StatusCode);
        var nearItem = await (await client.GetAsync($"/api/v1/returns/{near}")).ReadJsonAsync();
        Assert.All(nearItem.GetProperty("photos").EnumerateArray(), p => Assert.Empty(p.GetProperty("warnings").EnumerateArray()));
    }

    /// <summary>
    /// A rule judged per item (<c>item_size.min_photos</c> 2, ADR 0029): one photo under the line says nothing; the
    /// second gives both the warning, the earlier one included, and the grade records it. A photo set aside does not
    /// count. The fixture's rule calls every item too small, so each photo here is under the line.
    /// </summary>
    [Fact]
    public async Task ARuleJudgedPerItem_WaitsForTwoPhotos_ThenFlagsBoth_AndASetAsidePhotoDoesNotCount()
    {
        var model = GraderAppFactory.NewTemporaryDirectory();
        Directory.CreateDirectory(model);
        foreach (var file in Directory.GetFiles(Path.Combine(RepositoryPaths.Root, "tests", "fixtures", "tiny-item-size")))
        {
            File.Copy(file, Path.Combine(model, Path.GetFileName(file)));
        }
        var manifest = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(model, "model.json")))!;
        manifest["item_size"]!["min_photos"] = 2;
        await File.WriteAllTextAsync(Path.Combine(model, "model.json"), manifest.ToJsonString());
        using var sized = new GraderAppFactory();
        sized.Settings["Grader:Vision:ModelDirectory"] = model;
        var client = sized.ApiClient();

        async Task<string[]> UploadAsync(string id, string sample)
        {
            var upload = await client.PostAsync($"/api/v1/returns/{id}/photos", ApiJson.PhotoForm((sample, TestPhotos.ProductJpeg(sample), "image/jpeg")));
            Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
            var photo = (await upload.ReadJsonAsync()).GetProperty("photos")[0];
            return [photo.GetProperty("photoId").GetString()!, .. photo.GetProperty("warnings").EnumerateArray().Select(w => w.GetString()!)];
        }
        async Task<Dictionary<string, string[]>> WarningsAsync(string id) =>
            (await (await client.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync()).GetProperty("photos").EnumerateArray()
                .ToDictionary(p => p.GetProperty("photoId").GetString()!, p => p.GetProperty("warnings").EnumerateArray().Select(w => w.GetString()!).ToArray());

        var id = (await client.CreateItemAsync(ApiJson.UniquePlate("FAR"))).GetProperty("id").GetString()!;
        var first = await UploadAsync(id, "01-likenew.jpg");
        Assert.Single(first); // no warning: one photo of the item is under the line
        Assert.Empty((await WarningsAsync(id))[first[0]]);
        var second = await UploadAsync(id, "04-good.jpg");
        Assert.Equal(["small"], second[1..]);
        var both = await WarningsAsync(id);
        Assert.Equal(["small"], both[first[0]]);
        Assert.Equal(["small"], both[second[0]]);
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new { grade = "Good", disposition = "resell_used" })).StatusCode);
        var decision = (await (await client.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync()).GetProperty("decisions")[0];
        Assert.Equal(["small"], decision.GetProperty("photoWarnings").EnumerateArray().Select(w => w.GetString()));

        var other = (await client.CreateItemAsync(ApiJson.UniquePlate("FAR"))).GetProperty("id").GetString()!;
        var wrong = await UploadAsync(other, "01-likenew.jpg");
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsJsonAsync($"/api/v1/photos/{wrong[0]}/set-aside", new { reason = "wrong_item" })).StatusCode);
        var kept = await UploadAsync(other, "04-good.jpg");
        Assert.Single(kept); // the photo set aside is not the item's: one photo under the line
    }

    [Fact]
    public async Task TheShippedModel_CannotTellItemSize_SoNoPhotoIsFlaggedSmall()
    {
        // No shipped model has an item_size rule yet; a photo of a far-away item gets no warning rather than a guess.
        var client = app.ApiClient();
        var id = (await client.CreateItemAsync(ApiJson.UniquePlate("FAR"))).GetProperty("id").GetString();
        var upload = await client.PostAsync($"/api/v1/returns/{id}/photos", ApiJson.PhotoForm(("far.jpg", TestPhotos.ZoomedOut(TestPhotos.ProductJpeg(), 5), "image/jpeg")));

        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        Assert.DoesNotContain("small", (await upload.ReadJsonAsync()).GetProperty("photos")[0].GetProperty("warnings").EnumerateArray().Select(w => w.GetString()));
    }
}
