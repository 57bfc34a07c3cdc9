using System.Text;
using System.Text.Json;
using Returns.Grader.Web.Infrastructure;

namespace Returns.Grader.UnitTests.Infrastructure;

public sealed class ExactDecimalTests
{
    private static readonly JsonSerializerOptions Options = new() { Converters = { new ExactDecimalConverter() } };

    [Theory]
    [InlineData("0", "0")]
    [InlineData("-0", "0")]
    [InlineData("0.00", "0")]
    [InlineData("0e-400", "0")]
    [InlineData("129.99", "129.99")]
    [InlineData("129.990", "129.99")]
    [InlineData("-12.5", "-12.5")]
    [InlineData("2.5e1", "25")]
    [InlineData("25E+0", "25")]
    [InlineData("1e-28", "0.0000000000000000000000000001")]
    [InlineData("9999999999999999999999999999", "9999999999999999999999999999")]
    public void ANumberDecimalHolds_IsReadAsWritten(string json, string expected)
    {
        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), JsonSerializer.Deserialize<decimal>(json, Options));
        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), JsonSerializer.Deserialize<decimal?>(json, Options));
    }

    [Theory]
    [InlineData("1e-31")]       // read as 0 without the check
    [InlineData("-1e-29")]
    [InlineData("0.1000000000000000000000000000001")] // read as 0.1
    [InlineData("1.00000000000000000000000000001")]   // read as 1
    [InlineData("1e-200")]
    public void ANumberDecimalCannotHold_IsRefusedNotRounded(string json)
    {
        var refused = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<decimal?>(json, Options));
        Assert.Equal(ExactDecimalConverter.Reason, refused.Message);
    }

    [Theory]
    [InlineData("\"10\"")]
    [InlineData("1e300")]
    public void NotADecimal_StaysTheSerializersConversionError(string json)
    {
        var refused = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<decimal?>(json, Options));
        Assert.Contains("could not be converted", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheCheckComparesDigitsNotText()
    {
        Assert.True(ExactDecimalConverter.HoldsExactly("1.50e2"u8, 150m));
        Assert.False(ExactDecimalConverter.HoldsExactly("1.50e2"u8, 15m));
        Assert.False(ExactDecimalConverter.HoldsExactly("-3"u8, 3m));
        Assert.False(ExactDecimalConverter.HoldsExactly(Encoding.ASCII.GetBytes("7"), 0m));
    }
}
