namespace Returns.Grader.Web.Infrastructure;

public static class ApiGroup
{
    /// <summary>
    /// The group every area maps its API endpoints into (Program.cs lists them): each endpoint reads at most
    /// <see cref="ApiLimits.MaxJsonBodyBytes"/>; the upload endpoints set their own, larger limit.
    /// </summary>
    public static RouteGroupBuilder MapGraderApi(this IEndpointRouteBuilder app) =>
        app.MapGroup("").WithMetadata(new BodySizeLimit(ApiLimits.MaxJsonBodyBytes));
}
