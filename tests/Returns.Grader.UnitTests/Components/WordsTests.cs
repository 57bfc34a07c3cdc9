using Returns.Grader.Vision.Photos;
using Returns.Grader.Web.Components;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Features.Decisions;

namespace Returns.Grader.UnitTests.Components;

/// <summary>Issue 17, "words, not codes": every stored code a page shows has words, and none of them is the code itself.</summary>
public sealed class WordsTests
{
    [Fact]
    public void EveryCodeOfEveryEnumAPageShows_HasWords()
    {
        var shown = new List<(string Code, string Words)>();
        shown.AddRange(Enum.GetValues<Grade>().Select(v => (v.ToString(), Words.Of(v))));
        shown.AddRange(Enum.GetValues<DamageType>().Select(v => (v.ToString(), Words.Of(v))));
        shown.AddRange(Enum.GetValues<Disposition>().Select(v => (v.ToString(), Words.Of(v))));
        shown.AddRange(Enum.GetValues<ItemStatus>().Select(v => (v.ToString(), Words.Of(v))));
        shown.AddRange(Enum.GetValues<DecisionKind>().Select(v => (v.ToString(), Words.Of(v))));
        shown.AddRange(Enum.GetValues<Web.Data.ExportStatus>().Select(v => (v.ToString(), Words.Of(v))));
        shown.AddRange(Enum.GetValues<Web.Data.ModelState>().Select(v => (v.ToString(), Words.Of(v))));
        shown.AddRange(Enum.GetValues<ReviewReason>().Select(v => (v.ToString(), Words.Of(v))));
        shown.AddRange(Enum.GetValues<PhotoSetAsideReason>().Select(v => (v.ToString(), Words.Of(v))));
        shown.AddRange(ReviewReasonCodes.All.Select(code => (code, Words.ReasonCode(code))));
        shown.AddRange(Web.Auth.Roles.All.Select(role => (role, Words.Role(role)))); // the sign-in list and the bar

        Assert.All(shown, s => Assert.DoesNotMatch("[a-z][A-Z]|_", s.Words)); // no CamelCase, no snake_case left
        Assert.All(shown, s => Assert.False(string.IsNullOrWhiteSpace(s.Words), s.Code));
    }

    /// <summary>
    /// A list's letter keys (data-list-keys, the first letters of its words) reach an option only where its words start as
    /// its value does: MudSelect matches the value, so "Damage that is not there" (false_damage) had D advertised and F
    /// working, and F was kept from the list (exploratory pass, 2026-12-06). The lists whose values are codes or enums.
    /// </summary>
    [Fact]
    public void EachListOptionsWords_StartWithTheLetterItsValueStartsWith()
    {
        var options = new List<(string Value, string Words)>();
        options.AddRange(ReviewReasonCodes.All.Select(code => (code, Words.ReasonCode(code))));
        options.AddRange(Enum.GetValues<Disposition>().Select(v => (v.ToString(), Words.Of(v))));
        options.AddRange(Enum.GetValues<DamageType>().Select(v => (v.ToString(), Words.Of(v))));

        Assert.All(options, o => Assert.Equal(char.ToLowerInvariant(o.Value[0]), char.ToLowerInvariant(o.Words[0])));
    }

    [Fact]
    public void EveryPhotoWarning_HasItsOwnWords_AndSeveralAreJoined()
    {
        string[] warnings = [PhotoQuality.Dark, PhotoQuality.Blurred, PhotoQuality.OverExposed, PhotoQuality.SmallItem];
        var words = warnings.Select(w => Words.PhotoWarnings([w])).ToList();

        Assert.Equal(["is too dark to judge damage on", "is blurred", "is so bright that parts are washed out to white",
            "shows the item too small to judge damage on"], words);
        Assert.Equal("is blurred and shows the item too small to judge damage on", Words.PhotoWarnings([PhotoQuality.Blurred, PhotoQuality.SmallItem]));

        // the thumbnail's few words: every warning its own, no code left, several joined
        Assert.Equal(["Too dark", "Blurred", "Washed out", "Item too small"], warnings.Select(w => Words.PhotoWarningsShort([w])));
        Assert.Equal("Too dark, blurred", Words.PhotoWarningsShort([PhotoQuality.Dark, PhotoQuality.Blurred]));
    }
}
