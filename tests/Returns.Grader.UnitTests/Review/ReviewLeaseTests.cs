using System.Net.Http.Json;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Returns.Grader.TestSupport;
using Returns.Grader.Web.Auth;
using Returns.Grader.Web.Features.Review;

namespace Returns.Grader.UnitTests.Review;

/// <summary>
/// The review page notices its claim running out (review-desk pass, left alone last session): it showed the decision
/// buttons as usable until a decision was refused. On a clock the test moves, through the real review desk on SQLite.
/// </summary>
public sealed class ReviewLeaseTests : RealAppTestBase
{
    private static readonly Actor Supervisor = new("test:supervisor", "Test Supervisor", Roles.Supervisor);
    private readonly FakeTimeProvider _clock;

    public ReviewLeaseTests() : this(new FakeTimeProvider(DateTimeOffset.UtcNow))
    {
    }

    private ReviewLeaseTests(FakeTimeProvider clock) : base("Test Supervisor", Roles.Supervisor, "test:supervisor",
        new GraderAppFactory { Settings = { ["Grader:Vision:ModelDirectory"] = "" }, TestServices = services => services.AddSingleton<TimeProvider>(clock) },
        services => services.AddSingleton<TimeProvider>(clock)) // bUnit has a clock of its own: the page and the desk share this one
    {
        _clock = clock;
    }

    [Fact]
    public async Task WhenTheClaimRunsOut_ThePageSaysSo_AndDecidesNothingUntilClaimedAgain()
    {
        var grader = App.ApiClient("dev-grader");
        var id = (await grader.CreateItemAsync(ApiJson.UniquePlate("LEASE"), unitValue: 900m)).GetProperty("id").GetString();
        (await grader.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new { grade = "Good", disposition = "resell_used" })).EnsureSuccessStatusCode();
        var item = await (await grader.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync();
        var task = Guid.Parse(item.GetProperty("reviews")[0].GetProperty("taskId").GetString()!);
        await App.Services.GetRequiredService<ReviewDesk>().ClaimAsync(task, Supervisor, CancellationToken.None);
        var page = Render<ReviewTaskPage>(p => p.Add(c => c.TaskId, task));
        page.WaitForAssertion(() => Assert.False(page.Find("[data-testid=approve]").HasAttribute("disabled")));
        Assert.Contains("claimed by Test Supervisor until", page.Find("[data-testid=claimed-by]").TextContent, StringComparison.Ordinal);

        _clock.Advance(TimeSpan.FromMinutes(16)); // past the 15-minute lease

        page.WaitForAssertion(() => Assert.True(page.Find("[data-testid=approve]").HasAttribute("disabled")));
        Assert.Contains("Your claim ended at", page.Find("[data-testid=lease-ended]").TextContent);
        Assert.Empty(page.FindAll("[data-testid=claimed-by]")); // it stayed in the header (two-node pass, 2026-12-07)
        page.Find("[data-testid=claim-here]").Click();
        page.WaitForAssertion(() => Assert.False(page.Find("[data-testid=approve]").HasAttribute("disabled")));
        Assert.Empty(page.FindAll("[data-testid=lease-ended]"));
    }
}
