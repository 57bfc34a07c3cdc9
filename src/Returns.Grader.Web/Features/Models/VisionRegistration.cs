using Returns.Grader.Web.Infrastructure;

namespace Returns.Grader.Web.Features.Models;

public static class VisionRegistration
{
    public static WebApplicationBuilder AddGraderVision(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<VisionOptions>().BindConfigurationStrictly(VisionOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<ModelRegistry>();
        builder.Services.AddHostedService<ModelRegistrySync>();
        builder.Services.AddSingleton<ModelComparison>();
        builder.Services.AddSingleton<SamplePhoto>();
        return builder;
    }
}
