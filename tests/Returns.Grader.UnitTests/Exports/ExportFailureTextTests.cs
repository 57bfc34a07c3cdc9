using Returns.Grader.Web.Features.Exports;

namespace Returns.Grader.UnitTests.Exports;

/// <summary>What a failed export tells the people who asked for it (operator pass, 2026-12-05: a server path went out).</summary>
public sealed class ExportFailureTextTests
{
    [Fact]
    public void ADiskFailure_IsSaidInWords_WithoutTheServersPaths()
    {
        var text = ExportWorker.FailureText(new IOException("No space left on device : '/srv/grader/exports/returns-grader-labels-0002.work/coco-images.json'"));

        Assert.StartsWith("The export failed: the server could not write or read its files", text, StringComparison.Ordinal);
        Assert.DoesNotContain("/srv", text, StringComparison.Ordinal);
    }

    [Fact]
    public void ARefusalInPlainWords_IsKept_AndAnythingElseIsNamedByItsKind()
    {
        Assert.Equal(new Web.Data.TextWithNulException().Message, ExportWorker.FailureText(new Web.Data.TextWithNulException()));
        // As EF Core hands it over from SaveChanges: wrapped (it read "The export failed (DbUpdateException)").
        Assert.Equal(new Web.Data.TextWithNulException().Message,
            ExportWorker.FailureText(new Microsoft.EntityFrameworkCore.DbUpdateException("An error occurred while saving the entity changes.", new Web.Data.TextWithNulException())));
        var other = ExportWorker.FailureText(new InvalidOperationException("connection string Password=secret"));
        Assert.StartsWith("The export failed (InvalidOperationException)", other, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", other, StringComparison.Ordinal);
    }
}
