using System.Security.Claims;
using Returns.Grader.Web.Auth;

namespace Returns.Grader.Web.Features.Decisions;

/// <summary>Who may see the model's suggestion for an item drawn for blind grading (ADR 0022).</summary>
public static class BlindGrading
{
    /// <summary>
    /// Those who review, audit and compare models need the model's view; a person who only grades may not have it, on
    /// any path (the station, the item's API, the answer to their own upload), or the blind figures measure nothing.
    /// </summary>
    public static bool MaySeeSuggestion(ClaimsPrincipal viewer)
    {
        ArgumentNullException.ThrowIfNull(viewer);
        return Policies.Admits(Policies.Quality, viewer); // those who may see the quality figures may see the model's suggestion
    }
}
