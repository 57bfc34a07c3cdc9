using Returns.Grader.Web.Features.Quality;

namespace Returns.Grader.UnitTests.Quality;

public sealed class QualityCsvTests
{
    [Theory]
    [InlineData("Ana", "Ana")]
    [InlineData("Smith, Ana", "\"Smith, Ana\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\"")] // a formula is text, not run by a spreadsheet
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("-0.5", "-0.5")] // a negative number stays a number
    [InlineData("\t=1+1", "'\t=1+1")] // a spreadsheet may skip the tab and run the rest
    [InlineData("\r=1+1", "\"'\r=1+1\"")]
    public void Quote_FollowsRfc4180_AndDisarmsFormulas(string value, string expected) =>
        Assert.Equal(expected, QualityCsv.Quote(value));
}
