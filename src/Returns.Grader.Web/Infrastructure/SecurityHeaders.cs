namespace Returns.Grader.Web.Infrastructure;

/// <summary>Headers every response carries: no MIME sniffing of served photos, no framing, no referrer leaks.</summary>
public static class SecurityHeaders
{
    public static WebApplication UseGraderSecurityHeaders(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "same-origin";
            return next(context);
        });
        return app;
    }
}
