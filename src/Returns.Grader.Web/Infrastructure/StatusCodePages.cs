using Microsoft.AspNetCore.Diagnostics;
using Returns.Grader.Web.Auth;

namespace Returns.Grader.Web.Infrastructure;

/// <summary>What an answer without a body becomes: problem+json for the API, a page for a person's unknown address.</summary>
public static class StatusCodePages
{
    public const string NotFoundPath = "/not-found";

    /// <summary>
    /// Every empty 4xx/5xx is problem+json (RFC 7807, ADR 0018), except a browser's GET of an unknown address outside
    /// /api and /openapi: that is re-run as the "page not found" page, still with status 404 (a person saw raw JSON).
    /// </summary>
    public static WebApplication UseGraderStatusCodePages(this WebApplication app)
    {
        app.UseStatusCodePages();
        app.UseWhen(IsPageRequest, pages =>
        {
            pages.UseStatusCodePagesWithReExecute(NotFoundPath, queryFormat: null, createScopeForStatusCodePages: true);
            // Only a 404 becomes the page: any other empty status is left to the problem+json above.
            pages.Use(async (context, next) =>
            {
                await next(context);
                if (context.Response.StatusCode != StatusCodes.Status404NotFound && context.Features.Get<IStatusCodePagesFeature>() is { } reExecute)
                {
                    reExecute.Enabled = false;
                }
            });
        });
        return app;
    }

    // GET and HEAD only: the page is re-run with the request's method, and a page answers a POST as a form post.
    private static bool IsPageRequest(HttpContext context) =>
        !AuthRegistration.IsApiRequest(context.Request) && (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method));
}
