using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using Returns.Grader.Web.Infrastructure;

namespace Returns.Grader.UnitTests.Infrastructure;

/// <summary>Pages show times on the site's clock (Grader:TimeZone), not the server's, which on a cloud host is UTC.</summary>
public sealed class SiteTimeTests
{
    private static SiteTime At(string? zone) => new(Options.Create(new GraderOptions { TimeZone = zone }));

    [Fact]
    public void StoredUtcTimes_AreShownOnTheSitesClock_AcrossADaylightSavingChange()
    {
        var chicago = At("America/Chicago");

        Assert.Equal("08:05", chicago.Clock(new DateTime(2026, 12, 5, 14, 5, 0, DateTimeKind.Utc)));        // CST, UTC-6
        Assert.Equal("2026-07-01 09:05", chicago.DateAndClock(new DateTime(2026, 7, 1, 14, 5, 0, DateTimeKind.Utc))); // CDT, UTC-5
        // EF reads SQLite times back without a kind: they are UTC all the same.
        Assert.Equal("2026-12-04 23:30", chicago.DateAndClock(new DateTime(2026, 12, 5, 5, 30, 0, DateTimeKind.Unspecified)));
    }

    [Fact]
    public void WithoutAZone_TheServersIsUsed() => Assert.Equal(TimeZoneInfo.Local.Id, At(null).Zone.Id);

    [Fact]
    public void AnUnknownZone_IsRefusedAtStart_NamingTheSetting()
    {
        var options = new GraderOptions { TimeZone = "Mars/Olympus_Mons" };
        var results = new List<ValidationResult>();

        Assert.False(Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true));

        Assert.Contains("Grader:TimeZone 'Mars/Olympus_Mons' is not a time zone", Assert.Single(results).ErrorMessage, StringComparison.Ordinal);
        var berlin = new GraderOptions { TimeZone = "Europe/Berlin" };
        Assert.True(Validator.TryValidateObject(berlin, new ValidationContext(berlin), [], validateAllProperties: true));
    }
}
