using Bunit;
using Microsoft.Extensions.Options;
using Returns.Grader.Web.Components.Grading;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Features.Grading;
using Returns.Grader.Web.Features.Station;

namespace Returns.Grader.UnitTests.Station;

public sealed class StationComponentTests : BunitTestBase
{
    private static readonly Rubric V1 = new RubricCatalog(Options.Create(new RubricOptions())).Active;

    [Fact]
    public void GradePicker_ShowsTheFiveGradesWithTheirKeys_AndReportsAClick()
    {
        Grade? picked = null;
        var picker = Render<GradePicker>(p => p
            .Add(c => c.Selected, Grade.Good)
            .Add(c => c.SelectedChanged, g => picked = g));

        var buttons = picker.FindAll("[data-grade]");
        Assert.Equal(["LikeNew", "VeryGood", "Good", "Acceptable", "Unsellable"], buttons.Select(b => b.GetAttribute("data-grade")));
        Assert.Equal("1", buttons[0].QuerySelector(".grade-key")!.TextContent);
        Assert.Equal("true", picker.Find("[data-grade=Good]").GetAttribute("aria-checked"));
        Assert.Equal("false", picker.Find("[data-grade=LikeNew]").GetAttribute("aria-checked"));

        picker.Find("[data-grade=Unsellable]").Click();

        Assert.Equal(Grade.Unsellable, picked);
    }

    [Theory]
    [InlineData(1, Grade.LikeNew)]
    [InlineData(5, Grade.Unsellable)]
    [InlineData(0, null)]
    [InlineData(6, null)]
    public void GradeKeys_OneIsBestFiveIsWorst(int key, Grade? expected) => Assert.Equal(expected, GradePicker.FromKey(key));

    [Fact]
    public void DamagePicker_AddsAMarkPerClick_AndRemovesOne()
    {
        IReadOnlyList<DamageType> marked = [DamageType.Scratch];
        var picker = Render<DamagePicker>(p => p
            .Add(c => c.Rubric, V1)
            .Add(c => c.Marked, marked)
            .Add(c => c.MarkedChanged, m => marked = m));

        Assert.Contains("(4)", picker.Find("[data-damage=crack]").TextContent); // points shown from the rubric
        picker.Find("[data-damage=scratch]").Click();
        Assert.Equal([DamageType.Scratch, DamageType.Scratch], marked);

        picker.Find("[data-remove-damage=scratch]").Click();
        Assert.Empty(marked);
    }

    [Fact]
    public void RubricVerdict_WhenTheGradeAgreesWithTheDamage_AsksNothing()
    {
        var verdict = Render<RubricVerdict>(p => p
            .Add(c => c.Rubric, V1)
            .Add(c => c.Chosen, Grade.Good)
            .Add(c => c.Damage, [DamageType.Dent]));

        Assert.Contains("2 point(s)", verdict.Markup);
        Assert.Empty(verdict.FindAll("[data-testid=contradiction]"));
    }

    [Fact]
    public async Task RubricVerdict_WhenTheGradeContradictsTheDamage_SaysSoAndAsksWhy()
    {
        string? reason = null;
        var verdict = Render<RubricVerdict>(p => p
            .Add(c => c.Rubric, V1)
            .Add(c => c.Chosen, Grade.LikeNew)
            .Add(c => c.Damage, [DamageType.MissingPart])
            .Add(c => c.ReasonChanged, r => reason = r));

        var warning = verdict.Find("[data-testid=contradiction]");
        Assert.Contains("Like new", warning.TextContent);
        Assert.Contains("Unsellable", warning.TextContent);
        await verdict.Find("input").InputAsync("Part is in the box"); // waits for the handler
        Assert.Equal("Part is in the box", reason);
    }

    [Fact]
    public void UploadList_ShowsProgressWhileSending_AndWordsWhenRefused()
    {
        var sending = new PhotoUpload("u1", "front.jpg") { Percent = 40 };
        var refused = new PhotoUpload("u2", "back.gif") { Error = "Photo not kept: back.gif: The file is not a JPEG, PNG or WebP photo." };

        var list = Render<UploadList>(p => p.Add(c => c.Uploads, [sending, refused]));

        var rows = list.FindAll(".upload-row");
        Assert.Equal("sending", rows[0].GetAttribute("data-upload-state"));
        Assert.NotNull(rows[0].QuerySelector("[aria-label='front.jpg 40%']"));
        Assert.Equal("failed", rows[1].GetAttribute("data-upload-state"));
        Assert.Contains("not a JPEG, PNG or WebP", rows[1].TextContent);
    }

    [Fact]
    public void UploadList_WithSeveralRefused_SaysHowMany_AndEachMessageCanBeClosed()
    {
        var refused = Enumerable.Range(1, 3).Select(n => new PhotoUpload($"u{n}", $"p{n}.gif") { Error = $"Photo not kept: p{n}.gif: The file is not a JPEG, PNG or WebP photo." }).ToList();
        PhotoUpload? closed = null;

        var list = Render<UploadList>(p => p.Add(c => c.Uploads, refused).Add(c => c.OnDismiss, (PhotoUpload u) => closed = u));

        Assert.Equal("3 photos not kept (close each when read)", list.Find("[data-testid=upload-refused-count]").TextContent.Trim());
        Assert.Equal(3, list.FindAll("[data-testid=upload-error]").Count);
        Assert.DoesNotContain(list.FindAll(".upload-row .mud-typography-caption"), c => c.TextContent == "p1.gif"); // named once, in the message
        // each close button is named with its photo: two were named just "Close" (keyboard pass, 2026-12-07)
        Assert.Equal(["Close: p1.gif", "Close: p2.gif", "Close: p3.gif"], list.FindAll("[data-testid=upload-error] button").Select(b => b.GetAttribute("aria-label")));
        list.FindAll("[data-testid=upload-error] button")[0].Click();
        Assert.Same(refused[0], closed);
    }

    [Fact]
    public void UploadList_SaysAnalysing_OnceEveryByteIsSent_UntilTheSuggestionIsBack()
    {
        var analysing = new PhotoUpload("u1", "front.jpg") { Percent = 100 };

        var list = Render<UploadList>(p => p.Add(c => c.Uploads, [analysing]));

        var row = list.Find(".upload-row");
        Assert.Equal("analysing", row.GetAttribute("data-upload-state"));
        Assert.Equal("Analysing…", list.Find("[data-testid=upload-analysing]").TextContent);
        Assert.Null(row.QuerySelector("[aria-label='front.jpg 100%']"));
    }
}
