using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Returns.Grader.TestSupport;
using Returns.Grader.Web.Features.Photos;

namespace Returns.Grader.IntegrationTests.Photos;

/// <summary>The real app on each photo store: uploads land in the configured store, and the orphan sweep (on a fake clock).</summary>
public sealed class PhotoStoreAppTests
{
    /// <summary>An app on the given store whose clock the test moves; the scheduled sweep is a day away, so only the test's sweeps run.</summary>
    private static (GraderAppFactory App, FakeTimeProvider Clock) ClockedApp(StorageProvider storage)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var app = new GraderAppFactory { Storage = storage, TestServices = services => services.AddSingleton<TimeProvider>(clock) };
        app.Settings["Grader:Storage:SweepInterval"] = "1.00:00:00";
        return (app, clock);
    }

    private static async Task<List<string>> NamesAsync(IPhotoStore store)
    {
        var names = new List<string>();
        await foreach (var entry in store.ListAsync(CancellationToken.None))
        {
            names.Add(entry.Key);
        }
        return names;
    }

    [Theory, OnAzurite]
    public async Task AzureBlob_AnUploadedPhoto_IsABlobInTheContainer_AndIsServedBack(StorageProvider storage)
    {
        using var app = new GraderAppFactory { Storage = storage };
        var client = app.ApiClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode); // the container was made at start and is writable
        var id = (await client.CreateItemAsync(ApiJson.UniquePlate("BLOB"))).GetProperty("id").GetString();

        var upload = await client.PostAsync($"/api/v1/returns/{id}/photos", ApiJson.PhotoForm(("p.jpg", TestPhotos.HalfRedHalfBlueJpeg(), "image/jpeg")));

        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        var photoId = (await upload.ReadJsonAsync()).GetProperty("photos")[0].GetProperty("photoId").GetString();
        var served = await client.GetByteArrayAsync($"/api/v1/photos/{photoId}");
        var blobs = new List<Azure.Storage.Blobs.Models.BlobItem>();
        await foreach (var blob in app.BlobContainer!.Container.GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions()))
        {
            blobs.Add(blob);
        }
        var only = Assert.Single(blobs);
        Assert.True(PhotoKeys.IsPhotoKey(only.Name));
        Assert.Equal("image/jpeg", only.Properties.ContentType);
        var stored = (await app.BlobContainer.Container.GetBlobClient(only.Name).DownloadContentAsync()).Value.Content.ToArray();
        Assert.Equal(stored, served);
        Assert.Equal(0xFF, served[0]); // a JPEG
    }

    /// <summary>
    /// A photo store that cannot keep a photo (here the photo folder is a file; on a site: a full disk, a read-only mount)
    /// is a 503 with Retry-After in plain words naming no path, nothing of the upload is kept, and the station says so
    /// (operator pass, 2026-12-05: a bare 500). Once the store is back, the same photo is kept.
    /// </summary>
    [Fact]
    public async Task APhotoStoreThatCannotKeepAPhoto_Is503InPlainWords_AndNothingIsKept()
    {
        using var app = new GraderAppFactory();
        var client = app.ApiClient();
        var id = (await client.CreateItemAsync(ApiJson.UniquePlate("ST"))).GetProperty("id").GetString();
        var store = (FileSystemPhotoStore)app.Services.GetRequiredService<IPhotoStore>();
        Directory.Delete(store.Root, recursive: true);
        await File.WriteAllTextAsync(store.Root, "not a folder");
        try
        {
            var response = await client.PostAsync($"/api/v1/returns/{id}/photos", ApiJson.PhotoForm(("a.jpg", TestPhotos.PhotoLikeJpeg(800, 600), "image/jpeg")));

            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal("10", response.Headers.GetValues("Retry-After").Single());
            var body = await response.Content.ReadAsStringAsync();
            var problem = System.Text.Json.JsonDocument.Parse(body).RootElement;
            Assert.Equal("photo_store_failed", problem.GetProperty("reason").GetString());
            Assert.StartsWith("The photo could not be stored, so nothing of this upload was kept", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.DoesNotContain(store.Root, body, StringComparison.Ordinal);
            Assert.StartsWith("Photo not kept: The photo could not be stored", Web.Features.Station.Station.UploadErrorText(503, body), StringComparison.Ordinal);
            Assert.Equal(0, (await (await client.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync()).GetProperty("photos").GetArrayLength());
        }
        finally
        {
            File.Delete(store.Root);
        }
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsync($"/api/v1/returns/{id}/photos", ApiJson.PhotoForm(("a.jpg", TestPhotos.PhotoLikeJpeg(800, 600), "image/jpeg")))).StatusCode);
    }

    [Fact]
    public void AzureBlob_WithoutAnAccount_TheAppRefusesToStart_NamingBothSettings()
    {
        using var app = new GraderAppFactory();
        app.Settings["Grader:Storage:Provider"] = "AzureBlob";

        var error = Assert.ThrowsAny<Exception>(() => app.CreateClient());

        Assert.Contains("ConnectionStrings:Blobs", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("Grader:Storage:AccountUrl", error.ToString(), StringComparison.Ordinal);
    }

    /// <summary>
    /// A mistyped account key stops the start with the setting's name and not the key (two-node pass, 2026-12-05: a bare
    /// "No valid combination of account information found" under a dependency-injection stack).
    /// </summary>
    [Fact]
    public void AzureBlob_WithAConnectionStringTheSdkCannotRead_TheAppRefusesToStart_NamingTheSetting_NotTheKey()
    {
        using var app = new GraderAppFactory();
        app.Settings["Grader:Storage:Provider"] = "AzureBlob";
        app.Settings["ConnectionStrings:Blobs"] = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=not-base64-SECRETPART;BlobEndpoint=http://127.0.0.1:1/devstoreaccount1;";

        var error = Assert.ThrowsAny<Exception>(() => app.CreateClient());

        Assert.Contains("ConnectionStrings:Blobs is not a storage connection string", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("SECRETPART", error.Message, StringComparison.Ordinal);
    }

    [Theory, OnFileSystemStore, OnAzurite]
    public async Task Sweep_RemovesOnlyOldOrphans_NeverARecordedPhotoOrAYoungOne(StorageProvider storage)
    {
        var (app, clock) = ClockedApp(storage);
        using (app)
        {
            var client = app.ApiClient();
            var id = (await client.CreateItemAsync(ApiJson.UniquePlate("SWEEP"))).GetProperty("id").GetString();
            var upload = await client.PostAsync($"/api/v1/returns/{id}/photos", ApiJson.PhotoForm(("p.jpg", TestPhotos.HalfRedHalfBlueJpeg(), "image/jpeg")));
            Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
            var photoId = (await upload.ReadJsonAsync()).GetProperty("photos")[0].GetProperty("photoId").GetString();
            var store = app.Services.GetRequiredService<IPhotoStore>();
            var recorded = Assert.Single(await NamesAsync(store));

            // What a process killed between the photo and its row leaves: a whole photo nobody recorded (both stores)
            // and, on the file system, an interrupted write.
            var orphan = $"{DateTime.UtcNow:yyyy/MM/dd}/{Guid.NewGuid():N}.jpg";
            await store.SaveAsync(orphan, TestPhotos.HalfRedHalfBlueJpeg(), CancellationToken.None);
            string? partial = null;
            if (store is FileSystemPhotoStore files)
            {
                partial = $"{DateTime.UtcNow:yyyy/MM/dd}/{Guid.NewGuid():N}.jpg.partial";
                await File.WriteAllBytesAsync(Path.Combine(files.Root, partial), [0xFF, 0xD8]);
            }
            var sweeper = app.Services.GetRequiredService<PhotoStoreSweeper>();

            // Half an hour on, the orphan could still be an upload whose row is about to commit: it stays.
            clock.SetUtcNow(DateTimeOffset.UtcNow.AddMinutes(30));
            var young = await sweeper.SweepAsync(CancellationToken.None);
            Assert.Equal(0, young.Removed);
            Assert.Contains(orphan, await NamesAsync(store));

            // Two hours on (OrphanMinAge is one): the orphans go, the recorded photo stays and is still served.
            clock.SetUtcNow(DateTimeOffset.UtcNow.AddHours(2));
            var old = await sweeper.SweepAsync(CancellationToken.None);

            Assert.Equal(partial is null ? 1 : 2, old.Removed);
            Assert.Equal([recorded], await NamesAsync(store));
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/v1/photos/{photoId}")).StatusCode);
        }
    }
}
