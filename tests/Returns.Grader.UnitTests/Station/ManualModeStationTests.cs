using Bunit;
using Microsoft.EntityFrameworkCore;
using Returns.Grader.Web.Data;

namespace Returns.Grader.UnitTests.Station;

/// <summary>
/// A suggestion stored under a model that is not the active one (manual mode here; the same after a rollback) is shown
/// as a guess and prefills nothing: the station said "Manual mode: no grade suggestions right now" and preselected the
/// stored grade, marked "(suggested)" (review of the station, 2026-12-06).
/// </summary>
public sealed class ManualModeStationTests : StationPageTestBase
{
    [Fact]
    public async Task ASuggestionFromAModelNotActive_IsAGuess_AndPrefillsNothing()
    {
        var (_, plate, photoId) = await ItemWithPhotoAsync();
        await using (var db = await Service<IDbContextFactory<GraderDb>>().CreateDbContextAsync())
        {
            db.Predictions.Add(new Prediction
            {
                Id = Guid.CreateVersion7(), PhotoId = photoId, ModelVersion = "grader-vit-v1@rolled-back", Grade = Grade.LikeNew, Confidence = 0.99,
                ProbabilitiesJson = """{"LikeNew":0.99,"VeryGood":0.01,"Good":0,"Acceptable":0,"Unsellable":0}""", RegionsJson = "[]",
                Familiar = true, FamiliarityScore = -0.1, CreatedAt = DateTime.UtcNow,
            });
            await db.SaveChangesAsync();
        }

        var station = await OpenAtTheStationAsync(plate);

        Assert.Single(station.FindAll("[data-testid=manual-mode]")); // said instead of the suggestion, as before
        Assert.Empty(station.FindAll(".grade-suggested"));
        Assert.All(station.FindAll("[data-grade]"), button => Assert.Equal("false", button.GetAttribute("aria-checked"))); // nothing prefilled
    }
}
