using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Returns.Grader.TestSupport;
using Returns.Grader.Web.Data;

namespace Returns.Grader.IntegrationTests.Vision;

/// <summary>
/// At most one active and one shadow model, held by the database (ADR 0045): two nodes that each find the active slot
/// empty (manual mode) and fill it at the same moment meet no holder row, so the state's concurrency token cannot see
/// the other; both promotions landed and two models were active. The interleaving, forced with two contexts on each
/// real database.
/// </summary>
public sealed class ModelSlotTests : IClassFixture<GraderAppsByProvider>
{
    private readonly GraderAppsByProvider apps;

    public ModelSlotTests(GraderAppsByProvider apps)
    {
        this.apps = apps;
        apps.Settings["Grader:Vision:ModelDirectory"] = ""; // manual mode: no model registered, none active
    }

    [Theory, OnSqlite, OnPostgres]
    public async Task TwoModelsFillingAnEmptySlotAtOnce_TheSecondIsRefused(DatabaseProvider provider)
    {
        var contexts = apps[provider].Services.GetRequiredService<IDbContextFactory<GraderDb>>();
        var first = await RetiredAsync(contexts);
        var second = await RetiredAsync(contexts);
        var third = await RetiredAsync(contexts);
        await using var here = await contexts.CreateDbContextAsync();
        await using var elsewhere = await contexts.CreateDbContextAsync();
        var mine = await here.RegisteredModels.SingleAsync(m => m.Id == first);
        var theirs = await elsewhere.RegisteredModels.SingleAsync(m => m.Id == second);
        Assert.False(await here.RegisteredModels.AnyAsync(m => m.State == ModelState.Active)); // each finds the slot empty

        theirs.State = ModelState.Active;
        await elsewhere.SaveChangesAsync();
        mine.State = ModelState.Active;

        await Assert.ThrowsAnyAsync<DbUpdateException>(() => here.SaveChangesAsync());
        await using var after = await contexts.CreateDbContextAsync();
        Assert.Equal([second], await after.RegisteredModels.Where(m => m.State == ModelState.Active).Select(m => m.Id).ToListAsync());
        // Retired models are not limited, and the shadow slot is its own.
        var shadow = await after.RegisteredModels.SingleAsync(m => m.Id == third);
        shadow.State = ModelState.Shadow;
        await after.SaveChangesAsync();
        await after.RegisteredModels.Where(m => m.Id == second || m.Id == third).ExecuteUpdateAsync(u => u.SetProperty(m => m.State, ModelState.Retired));
    }

    private static async Task<Guid> RetiredAsync(IDbContextFactory<GraderDb> contexts)
    {
        await using var db = await contexts.CreateDbContextAsync();
        var now = DateTime.UtcNow;
        var model = new RegisteredModel
        {
            Id = Guid.CreateVersion7(), ModelVersion = $"slot-test@{Guid.NewGuid():N}", State = ModelState.Retired, Folder = "none",
            Sha256 = new string('0', 64), RegisteredBy = "test", RegisteredAt = now, StateChangedAt = now,
        };
        db.RegisteredModels.Add(model);
        await db.SaveChangesAsync();
        return model.Id;
    }
}
