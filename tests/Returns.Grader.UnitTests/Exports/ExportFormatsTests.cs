using Returns.Grader.Web.Features.Exports;

namespace Returns.Grader.UnitTests.Exports;

public sealed class ExportFormatsTests
{
    [Fact]
    public void ChosenFormats_AreNormalized_InTheDocumentedOrder()
    {
        var filter = ExportFilter.Parse(new ExportRequest(Formats: [" CSV", "coco", "csv"]), out var errors);

        Assert.Empty(errors);
        Assert.Equal(["coco", "csv"], filter.IncludedFormats);
        Assert.False(filter.Trainable);
        Assert.Contains("formats coco, csv", filter.Describe(), StringComparison.Ordinal);
    }

    /// <summary>The filter's words (package.json, the card, the page) do not depend on the server's culture: a Finnish
    /// host wrote "2026-12-01T00.00.00Z", its time separator being a dot (review of the export path, 2026-12-06).</summary>
    [Fact]
    public void TheFiltersDates_ReadTheSame_OnAHostWithAnotherTimeSeparator()
    {
        var filter = ExportFilter.Parse(new ExportRequest(From: new DateTime(2026, 12, 1, 0, 0, 0, DateTimeKind.Utc), To: new DateTime(2026, 12, 3, 0, 0, 0, DateTimeKind.Utc)), out var errors);
        Assert.Empty(errors);
        var culture = System.Globalization.CultureInfo.CurrentCulture;
        try
        {
            System.Globalization.CultureInfo.CurrentCulture = new System.Globalization.CultureInfo("fi-FI");
            Assert.Equal(".", System.Globalization.CultureInfo.CurrentCulture.DateTimeFormat.TimeSeparator); // the premise
            Assert.Contains("decided from 2026-12-01T00:00:00Z", filter.Describe(), StringComparison.Ordinal);
            Assert.Contains("decided before 2026-12-03T00:00:00Z", filter.Describe(), StringComparison.Ordinal);
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = culture;
        }
    }

    [Fact]
    public void NoChoice_OrAllFour_MeansEveryFormat_AndATrainablePackage()
    {
        foreach (var request in new[] { new ExportRequest(), new ExportRequest(Formats: ["csv", "sagemaker", "huggingface", "coco"]) })
        {
            var filter = ExportFilter.Parse(request, out var errors);
            Assert.Empty(errors);
            Assert.Null(filter.Formats); // stored as "all", like the jobs stored before formats could be chosen
            Assert.Equal(PackageFormats.All, filter.IncludedFormats);
            Assert.True(filter.Trainable);
            Assert.DoesNotContain("formats", filter.Describe(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void UnknownOrNoFormats_AreRefused_NamingTheFieldAndTheChoices()
    {
        ExportFilter.Parse(new ExportRequest(Formats: ["coco", "parquet"]), out var unknown);
        ExportFilter.Parse(new ExportRequest(Formats: []), out var none);

        Assert.Contains("'parquet'", Assert.Single(unknown["formats"]), StringComparison.Ordinal);
        Assert.Contains("at least one", Assert.Single(none["formats"]), StringComparison.Ordinal);
        Assert.All([unknown["formats"][0], none["formats"][0]], m => Assert.Contains("coco, huggingface, sagemaker, csv", m, StringComparison.Ordinal));
    }
}
