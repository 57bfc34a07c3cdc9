namespace Returns.Grader.Web.Features.Models;

public static class VisionRegistration
{
    public static WebApplicationBuilder AddGraderVision(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<VisionOptions>().BindConfiguration(VisionOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<ModelRegistry>();
        return builder;
    }
}
