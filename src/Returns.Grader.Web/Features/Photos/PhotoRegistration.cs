using Azure.Identity;
using Azure.Storage.Blobs;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Returns.Grader.Web.Infrastructure;

namespace Returns.Grader.Web.Features.Photos;

public static class PhotoRegistration
{
    public static WebApplicationBuilder AddGraderPhotos(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<PhotoOptions>().BindConfigurationStrictly(PhotoOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<StorageOptions>().BindConfigurationStrictly(StorageOptions.Section)
            .Configure<IConfiguration>((storage, configuration) => storage.ConnectionString = configuration.GetConnectionString(StorageOptions.ConnectionStringName))
            .ValidateDataAnnotations().ValidateOnStart();
        // One client for the app's container (photos and, under exports/, the packages); only made on the AzureBlob provider.
        builder.Services.AddSingleton(sp => BlobContainer(sp.GetRequiredService<IOptions<StorageOptions>>().Value));
        builder.Services.AddSingleton<IPhotoStore>(sp =>
        {
            var storage = sp.GetRequiredService<IOptions<StorageOptions>>().Value;
            if (storage.Provider == StorageProvider.AzureBlob)
            {
                return new AzureBlobPhotoStore(sp.GetRequiredService<BlobContainerClient>());
            }
            var grader = sp.GetRequiredService<IOptions<GraderOptions>>().Value;
            var root = Path.Combine(grader.ResolveDataDirectory(sp.GetRequiredService<IWebHostEnvironment>().ContentRootPath), "photos");
            return new FileSystemPhotoStore(root);
        });
        builder.Services.AddSingleton<PhotoStoreSweeper>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<PhotoStoreSweeper>());
        builder.Services.AddSingleton<IntakeAdmission>();
        builder.Services.AddSingleton<PhotoIntake>();
        builder.Services.AddSingleton<PhotoSetAside>();
        builder.Services.AddOptions<FormOptions>().Configure<IOptions<PhotoOptions>>((form, photos) =>
        {
            form.MultipartBodyLengthLimit = photos.Value.MaxRequestBytes;
        });
        return builder;
    }

    /// <summary>The container from a connection string (a key or SAS; Azurite in the tests) or the account URL + DefaultAzureCredential.</summary>
    private static BlobContainerClient BlobContainer(StorageOptions storage)
    {
        if (storage.Provider != StorageProvider.AzureBlob)
        {
            throw new InvalidOperationException("The blob container is only used with Grader:Storage:Provider = AzureBlob.");
        }
        if (!string.IsNullOrWhiteSpace(storage.ConnectionString))
        {
            try
            {
                return new BlobServiceClient(storage.ConnectionString).GetBlobContainerClient(storage.Container);
            }
            catch (Exception e) when (e is FormatException or ArgumentException)
            {
                // Said in the setting's name, without the string (it holds the key): a two-node pass's mistyped account key
                // ended the process with a bare "No valid combination of account information found" and a DI stack.
                throw StartupFailures.RefusedSetting("ConnectionStrings:Blobs",
                    $"ConnectionStrings:Blobs is not a storage connection string the Azure SDK can read ({e.Message}). Copy it again from the " +
                    "storage account's Access keys (or a SAS), or use Grader:Storage:AccountUrl with a managed identity instead.");
            }
        }
        return new BlobServiceClient(storage.AccountUrl, new DefaultAzureCredential()).GetBlobContainerClient(storage.Container);
    }
}
