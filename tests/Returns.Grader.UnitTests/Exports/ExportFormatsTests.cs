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
