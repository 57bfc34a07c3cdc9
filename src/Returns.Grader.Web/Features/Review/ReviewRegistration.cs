using Microsoft.AspNetCore.Authentication.Cookies;
using Returns.Grader.Web.Auth;

namespace Returns.Grader.Web.Features.Review;

public static partial class ReviewRegistration
{
    public static WebApplicationBuilder AddGraderReview(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ReviewDesk>();
        builder.Services.PostConfigure<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme, ReleaseClaimsOnSignOut);
        return builder;
    }

    /// <summary>
    /// A supervisor who signs out lets go of the tasks they hold. Best effort: the sign-out goes on whatever happens here,
    /// and a claim that could not be let go lapses with its lease as before. A claim made from another browser of the
    /// same person is let go too (claims are per person, not per sign-in): that page is told to claim it again.
    /// </summary>
    private static void ReleaseClaimsOnSignOut(CookieAuthenticationOptions cookie)
    {
        var signingOut = cookie.Events.OnSigningOut; // chained: Microsoft.Identity.Web may have a handler of its own here
        cookie.Events.OnSigningOut = async context =>
        {
            await signingOut(context);
            if (context.HttpContext.User.Identity?.IsAuthenticated != true)
            {
                return;
            }
            var services = context.HttpContext.RequestServices;
            var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ReviewRegistration));
            try
            {
                var actor = Actor.From(context.HttpContext.User);
                var released = await services.GetRequiredService<ReviewDesk>().ReleaseAllHeldByAsync(actor.Id, CancellationToken.None);
                if (released > 0)
                {
                    LogReleased(logger, released, actor.Id);
                }
            }
            catch (Exception e)
            {
                // Whatever it is, the sign-out goes on: an exception here would stop the cookie's deletion.
                LogNotReleased(logger, e);
            }
        };
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Signed out: {Count} review claim(s) of {ActorId} let go")]
    private static partial void LogReleased(ILogger logger, int count, string actorId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Signed out, but the review claims could not be let go; they lapse with their leases")]
    private static partial void LogNotReleased(ILogger logger, Exception exception);
}
