using System.Net.Http.Json;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Returns.Grader.TestSupport;
using Returns.Grader.Web.Auth;
using Returns.Grader.Web.Features.Exports;

namespace Returns.Grader.UnitTests.Exports;

/// <summary>The exports page's model and rubric filters, with the shipped model registered and in use (SQLite).</summary>
public sealed class ExportModelFilterTests() : RealAppTestBase("Test Data", Roles.DataScientist, "test:data", new GraderAppFactory())
{
    /// <summary>
    /// The model and rubric filters are chosen from what exists, not typed: "4.1.1" typed matched no prediction (they
    /// say "grader-vit-v1@4.1.1") and the export came out empty, with nothing to say why (2026-12-07).
    /// </summary>
    [Fact]
    public async Task TheModelVersion_IsChosenFromTheRegisteredModels_AndCountsThePhotosThatModelSaw()
    {
        var api = App.ApiClient();
        var category = "Model" + Guid.NewGuid().ToString("N")[..6];
        var id = (await api.CreateItemAsync(ApiJson.UniquePlate("EX"), category: category)).GetProperty("id").GetString();
        (await api.PostAsync($"/api/v1/returns/{id}/photos", ApiJson.PhotoForm(("p.jpg", TestPhotos.HalfRedHalfBlueJpeg(), "image/jpeg"))))
            .EnsureSuccessStatusCode();
        (await api.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new { grade = "Good", disposition = "resell_used", damage = Array.Empty<object>() }))
            .EnsureSuccessStatusCode();
        var registry = App.Services.GetRequiredService<Web.Features.Models.ModelRegistry>();
        var active = registry.Active!.Manifest.ModelVersion;
        // A model only ever in shadow made no suggestion a grader saw: the filter would export nothing, so it is not offered.
        await Models.ShippedModelTwin.RegisterAsync(registry, App.Services.GetRequiredService<Web.Features.Models.SamplePhoto>(),
            new Actor("test:data", "Test Data", Roles.DataScientist), "9.9.9-shadow-only");
        var page = Render<ExportsPage>();
        Assert.True(page.Find("input[data-testid=export-model]").HasAttribute("readonly")); // no free text to mistype

        var model = page.FindComponents<MudBlazor.MudSelect<string>>().Single(s => s.Instance.Label == "Model version");
        await model.InvokeAsync(() => model.Instance.OpenMenu());
        Assert.Equal([active], model.FindComponents<MudBlazor.MudSelectItem<string>>().Select(i => i.Instance.Value));
        await model.InvokeAsync(() => model.Instance.CloseMenu());
        await model.InvokeAsync(() => model.Instance.ValueChanged.InvokeAsync(active));
        var rubric = page.FindComponents<MudBlazor.MudSelect<string>>().Single(s => s.Instance.Label == "Rubric");
        await rubric.InvokeAsync(() => rubric.Instance.OpenMenu());
        Assert.Equal(["v1"], rubric.FindComponents<MudBlazor.MudSelectItem<string>>().Select(i => i.Instance.Value));
        await rubric.InvokeAsync(() => rubric.Instance.CloseMenu());
        await rubric.InvokeAsync(() => rubric.Instance.ValueChanged.InvokeAsync("v1"));
        await page.Find("input[data-testid=export-categories]").InputAsync(category);

        page.Find("[data-testid=export-count]").Click();

        page.WaitForAssertion(() => Assert.Equal("1 graded item with photos matches these filters now.", page.FindAll("[data-testid=export-preview]").SingleOrDefault()?.TextContent.Trim() ?? page.Markup));
    }
}
