using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Returns.Grader.Web.Infrastructure;

namespace Returns.Grader.IntegrationTests;

/// <summary>The failed-credentials budget per address, on a clock the test moves: spent, locked, refilled at the set rate.</summary>
public sealed class FailedCredentialsLimiterTests
{
    private static FailedCredentialsLimiter Limiter(FakeTimeProvider clock, int perMinute = 6, int burst = 3) =>
        new(Options.Create(new RateLimitOptions { FailedCredentialsPerMinute = perMinute, FailedCredentialsBurst = burst }), clock);

    [Fact]
    public void AnAddress_IsLockedOnceItsBurstIsSpent_AndAnotherIsNot()
    {
        var limiter = Limiter(new FakeTimeProvider());
        for (var i = 0; i < 3; i++)
        {
            Assert.False(limiter.IsSpent("10.0.0.1", out _));
            limiter.Spend("10.0.0.1");
        }

        Assert.True(limiter.IsSpent("10.0.0.1", out var retryAfter));
        Assert.Equal(TimeSpan.FromSeconds(10), retryAfter); // 6 a minute: one every 10 s
        Assert.False(limiter.IsSpent("10.0.0.2", out _));
        Assert.True(limiter.IsSpent("10.0.0.1", out _)); // asking spends nothing and gives nothing back
    }

    [Fact]
    public void TheBudget_ComesBackAtTheSetRate_NeverAboveTheBurst()
    {
        var clock = new FakeTimeProvider();
        var limiter = Limiter(clock);
        for (var i = 0; i < 3; i++)
        {
            limiter.Spend("10.0.0.1");
        }

        clock.Advance(TimeSpan.FromSeconds(9));
        Assert.True(limiter.IsSpent("10.0.0.1", out var wait));
        Assert.Equal(TimeSpan.FromSeconds(1), wait);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.False(limiter.IsSpent("10.0.0.1", out _));
        limiter.Spend("10.0.0.1");
        Assert.True(limiter.IsSpent("10.0.0.1", out _));

        clock.Advance(TimeSpan.FromHours(1));
        for (var i = 0; i < 3; i++)
        {
            Assert.False(limiter.IsSpent("10.0.0.1", out _));
            limiter.Spend("10.0.0.1");
        }
        Assert.True(limiter.IsSpent("10.0.0.1", out _)); // an hour away refills the burst, not more
    }
}
