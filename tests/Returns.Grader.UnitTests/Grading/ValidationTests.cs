using Returns.Grader.Web.Data;
using Returns.Grader.Web.Features.Items;
using Returns.Grader.Web.Features.Station;
using Returns.Grader.Web.Infrastructure;

namespace Returns.Grader.UnitTests.Grading;

public sealed class ValidationTests
{
    [Fact]
    public void ValidCreateRequest_HasNoErrors() =>
        Assert.Empty(ReturnItems.Validate(new CreateReturnRequest("LP-0001.A_b", "SKU", "Kettle", "Kitchen", 19.99m)));

    [Theory]
    [InlineData("LP 1", "returnId")]
    [InlineData("LP/1", "returnId")]
    [InlineData("", "returnId")]
    public void BadLicencePlate_IsNamed(string plate, string field) =>
        Assert.Contains(field, ReturnItems.Validate(new CreateReturnRequest(plate, "S", "T", "C", 1m)).Keys);

    [Theory]
    [InlineData(-1)]
    [InlineData(1.001)]
    public void BadUnitValue_IsNamed(double value) =>
        Assert.Contains("unitValue", ReturnItems.Validate(new CreateReturnRequest("LP1", "S", "T", "C", (decimal)value)).Keys);

    [Fact]
    public void LicencePlates_AreComparedUpperCase() => Assert.Equal("LP-9A", ReturnItems.NormalizeReturnId("  lp-9a "));

    [Fact]
    public void WireNames_AreSnakeCaseAndRoundTrip()
    {
        Assert.Equal("missing_part", WireName<DamageType>.Of(DamageType.MissingPart));
        Assert.Equal("return_to_vendor", WireName<Disposition>.Of(Disposition.ReturnToVendor));
        Assert.True(WireName<Disposition>.TryParse("Resell_Used", out var parsed));
        Assert.Equal(Disposition.ResellUsed, parsed);
        Assert.False(WireName<DamageType>.TryParse("smudge", out _));
    }

    [Theory]
    [InlineData(415, """{"detail":"x.gif: The file is not a JPEG, PNG or WebP photo."}""", "Photo not kept: x.gif: The file is not a JPEG, PNG or WebP photo.")]
    [InlineData(0, "", "The photo did not reach the server (network). Try again.")]
    [InlineData(401, "", "You have been signed out. Reload the page and sign in again.")]
    [InlineData(503, """{"detail":"More photos are arriving than this server can grade right now"}""", "The server stayed busy and this photo was not kept. Add it again in a minute; if this keeps happening, call a supervisor.")]
    [InlineData(503, """{"detail":"The photo could not be stored, so nothing of this upload was kept.","reason":"photo_store_failed"}""", "Photo not kept: The photo could not be stored, so nothing of this upload was kept.")]
    [InlineData(429, "", "The server stayed busy and this photo was not kept. Add it again in a minute; if this keeps happening, call a supervisor.")]
    [InlineData(500, "<html>", "Photo not kept (error 500). Try again or take the photo again.")]
    public void UploadErrors_AreInPlainWords(int status, string body, string expected) =>
        Assert.Equal(expected, Web.Features.Station.Station.UploadErrorText(status, body));
}
