using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Returns.Grader.Web.Infrastructure;

namespace Returns.Grader.UnitTests.Infrastructure;

public sealed class StartupFailuresTests
{
    [Fact]
    public void ARefusedSetting_IsSaidInItsOwnWords_OneLineEach_WithoutAStack()
    {
        var refusal = new OptionsValidationException("Grader", typeof(GraderOptions), ["Grader:TimeZone 'Mars' is not a time zone", "Grader:DataDirectory is empty"]);

        var text = StartupFailures.Describe(refusal);

        Assert.Equal(
            "Returns.Grader did not start: a setting is wrong or missing.\n  Grader:TimeZone 'Mars' is not a time zone\n  Grader:DataDirectory is empty\n",
            text.ReplaceLineEndings("\n"));
    }

    /// <summary>A service made by reflection or inside a task wraps the refusal; what is said is still the refusal.</summary>
    [Fact]
    public void ARefusalInsideWrappers_IsSaidAsARefusal()
    {
        var refusal = StartupFailures.RefusedSetting("AzureAd", "No Entra ID settings");
        var wrapped = new AggregateException(new TargetInvocationException(new InvalidOperationException("could not make the service", refusal)));

        var text = StartupFailures.Describe(wrapped);

        Assert.StartsWith("Returns.Grader did not start: a setting is wrong or missing.\n  No Entra ID settings\n", text.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.DoesNotContain("Details", text, StringComparison.Ordinal);
    }

    /// <summary>Options validated at start fail together, one AggregateException: every section's lines are said, not the first's.</summary>
    [Fact]
    public void SeveralRefusedSections_AreEachSaid()
    {
        var both = new AggregateException(
            new OptionsValidationException("Grader", typeof(GraderOptions), ["Grader:TimeZone 'Mars' is not a time zone"]),
            StartupFailures.RefusedSetting("AzureAd", "No Entra ID settings"));

        Assert.Equal(
            "Returns.Grader did not start: a setting is wrong or missing.\n  Grader:TimeZone 'Mars' is not a time zone\n  No Entra ID settings\n",
            StartupFailures.Describe(both).ReplaceLineEndings("\n"));
    }

    /// <summary>
    /// A value the configuration binder cannot read ("Azure" for a provider, "ten" for a number) is a wrong setting, said
    /// in one line with what it may be: it was a stack trace under the binder's words (multi-node pass, 2026-12-07).
    /// The binder's own exception, not a copy of its words.
    /// </summary>
    [Theory]
    [InlineData("Grader:Storage:Provider", "Azure", "Grader:Storage:Provider is 'Azure', which is not one of FileSystem, AzureBlob.")]
    [InlineData("Grader:Review:LeaseMinutes", "ten", "Grader:Review:LeaseMinutes is 'ten', which is not a whole number.")]
    public void ASettingTheBinderCannotRead_IsSaidAsARefusedSetting(string key, string value, string said)
    {
        var configuration = new Microsoft.Extensions.Configuration.ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [key] = value }).Build();
        var section = key[..key.LastIndexOf(':')];
        var unreadable = Assert.ThrowsAny<InvalidOperationException>(() => section == "Grader:Storage"
            ? (object?)Microsoft.Extensions.Configuration.ConfigurationBinder.Get<Web.Features.Photos.StorageOptions>(configuration.GetSection(section))
            : Microsoft.Extensions.Configuration.ConfigurationBinder.Get<Web.Features.Decisions.ReviewOptions>(configuration.GetSection(section)));

        var text = StartupFailures.Describe(new AggregateException(new TargetInvocationException(unreadable)));

        Assert.Equal($"Returns.Grader did not start: a setting is wrong or missing.\n  {said}\n", text.ReplaceLineEndings("\n"));
    }

    /// <summary>Anything else may be a defect: the reason and its causes first, then the exception in full for whoever fixes it.</summary>
    [Fact]
    public void AnyOtherFailure_IsSaidFirst_ThenGivenInFull()
    {
        Exception failure;
        try
        {
            throw new IOException("Failed to bind to address http://127.0.0.1:5080: address already in use.",
                new IOException("Address already in use", new IOException("Address already in use")));
        }
        catch (IOException e)
        {
            failure = e;
        }

        var lines = StartupFailures.Describe(failure).ReplaceLineEndings("\n").Split('\n');

        Assert.Equal("Returns.Grader did not start: Failed to bind to address http://127.0.0.1:5080: address already in use.", lines[0]);
        Assert.Equal("  because: Address already in use", lines[1]); // said once, not once per wrapper
        Assert.Equal("", lines[2]);
        Assert.Equal("Details:", lines[3]);
        Assert.Contains(lines, line => line.TrimStart().StartsWith("at ", StringComparison.Ordinal) && line.Contains(nameof(AnyOtherFailure_IsSaidFirst_ThenGivenInFull), StringComparison.Ordinal));
    }
}
