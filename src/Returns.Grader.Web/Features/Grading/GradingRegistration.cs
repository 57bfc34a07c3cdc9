using Returns.Grader.Web.Features.Items;

namespace Returns.Grader.Web.Features.Grading;

public static class GradingRegistration
{
    public static WebApplicationBuilder AddGraderGrading(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<RubricOptions>().BindConfiguration(RubricOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<DispositionOptions>().BindConfiguration(DispositionOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<Review.ReviewOptions>().BindConfiguration(Review.ReviewOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<RubricCatalog>();
        builder.Services.AddSingleton<Review.ReviewDesk>();
        builder.Services.AddSingleton<Quality.QualityMetrics>();
        builder.Services.AddSingleton<GradingService>();
        builder.Services.AddSingleton<ReturnItems>();
        return builder;
    }

    public static IEndpointRouteBuilder MapGraderApi(this IEndpointRouteBuilder app)
    {
        app.MapReturnEndpoints();
        Photos.PhotoEndpoints.MapPhotoEndpoints(app);
        app.MapGradingEndpoints();
        Review.ReviewEndpoints.MapReviewEndpoints(app);
        Quality.QualityEndpoints.MapQualityEndpoints(app);
        Exports.ExportRegistration.MapExportEndpoints(app);
        Models.ModelEndpoints.MapModelEndpoints(app);
        return app;
    }
}
