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
        // Every API endpoint reads at most ApiLimits.MaxJsonBodyBytes; the upload endpoints set their own, larger limit.
        var api = app.MapGroup("").WithMetadata(new Infrastructure.BodySizeLimit(Infrastructure.ApiLimits.MaxJsonBodyBytes));
        api.MapReturnEndpoints();
        Photos.PhotoEndpoints.MapPhotoEndpoints(api);
        api.MapGradingEndpoints();
        Review.ReviewEndpoints.MapReviewEndpoints(api);
        Quality.QualityEndpoints.MapQualityEndpoints(api);
        Exports.ExportRegistration.MapExportEndpoints(api);
        Models.ModelEndpoints.MapModelEndpoints(api);
        return app;
    }
}
