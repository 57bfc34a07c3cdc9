namespace Returns.Grader.Web.Features.Quality;

public static class QualityRegistration
{
    public static WebApplicationBuilder AddGraderQuality(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<QualityMetrics>();
        return builder;
    }
}
