namespace Returns.Grader.Web.Features.Review;

public static class ReviewRegistration
{
    public static WebApplicationBuilder AddGraderReview(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ReviewDesk>();
        return builder;
    }
}
