using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Returns.Grader.Web.Infrastructure;

namespace Returns.Grader.Web.Features.Photos;

public static class PhotoRegistration
{
    public static WebApplicationBuilder AddGraderPhotos(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<PhotoOptions>().BindConfiguration(PhotoOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<IPhotoStore>(sp =>
        {
            var grader = sp.GetRequiredService<IOptions<GraderOptions>>().Value;
            var root = Path.Combine(grader.ResolveDataDirectory(sp.GetRequiredService<IWebHostEnvironment>().ContentRootPath), "photos");
            return new FileSystemPhotoStore(root);
        });
        builder.Services.AddSingleton<IntakeAdmission>();
        builder.Services.AddSingleton<PhotoIntake>();
        builder.Services.AddOptions<FormOptions>().Configure<IOptions<PhotoOptions>>((form, photos) =>
        {
            form.MultipartBodyLengthLimit = photos.Value.MaxRequestBytes;
        });
        return builder;
    }
}
