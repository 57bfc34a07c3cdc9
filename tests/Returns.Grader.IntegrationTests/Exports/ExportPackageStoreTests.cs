using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Returns.Grader.TestSupport;
using Returns.Grader.Web.Features.Exports;
using Returns.Grader.Web.Features.Photos;

namespace Returns.Grader.IntegrationTests.Exports;

/// <summary>Export packages land in the configured store (the exports folder or the blob container) and download from it.</summary>
public sealed class ExportPackageStoreTests
{
    [Theory, OnFileSystemStore, OnAzurite]
    public async Task ACompletedPackage_IsInTheStore_AndDownloadsWholeOrByRange(StorageProvider storage)
    {
        using var app = new GraderAppFactory { Storage = storage };
        var grader = app.ApiClient();
        var category = "Store" + Guid.NewGuid().ToString("N")[..6];
        for (var i = 0; i < 3; i++)
        {
            var id = (await grader.CreateItemAsync(ApiJson.UniquePlate("PKG"), 20m, category)).GetProperty("id").GetString();
            Assert.Equal(HttpStatusCode.Created, (await grader.PostAsync($"/api/v1/returns/{id}/photos",
                ApiJson.PhotoForm(("p.jpg", TestPhotos.PhotoLikeJpeg(800, 600, seed: i), "image/jpeg")))).StatusCode);
            Assert.Equal(HttpStatusCode.Created, (await grader.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new { grade = "Good", disposition = "liquidate" })).StatusCode);
        }
        var data = app.ApiClient("dev-data");
        var started = await data.PostAsJsonAsync("/api/v1/exports", new { categories = new[] { category } });
        var export = await data.WaitForExportAsync((await started.ReadJsonAsync()).GetProperty("id").GetString()!);
        Assert.Equal("completed", export.GetProperty("status").GetString());
        var id0 = export.GetProperty("id").GetString();
        var name = export.GetProperty("name").GetString()!;

        var bytes = await data.GetByteArrayAsync($"/api/v1/exports/{id0}/download");
        Assert.Equal(export.GetProperty("sha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(bytes)));
        Assert.Equal(export.GetProperty("byteSize").GetInt64(), bytes.LongLength);
        using var ranged = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/exports/{id0}/download");
        ranged.Headers.Range = new RangeHeaderValue(bytes.Length - 100, bytes.Length - 1);
        var tail = await data.SendAsync(ranged);
        Assert.Equal(HttpStatusCode.PartialContent, tail.StatusCode);
        Assert.Equal(bytes[^100..], await tail.Content.ReadAsByteArrayAsync());

        var exports = Path.Combine(app.DataDirectory, "exports");
        Assert.Empty(Directory.GetFiles(exports, "*.partial"));
        Assert.Empty(Directory.GetDirectories(exports, "*.work"));
        if (app.BlobContainer is { } container)
        {
            // The package is a blob beside the photos, not a local file; the photo sweep never lists it.
            var blob = await container.Container.GetBlobClient(AzureBlobPackageStore.BlobName(name)).GetPropertiesAsync();
            Assert.Equal("application/zip", blob.Value.ContentType);
            Assert.Equal(bytes.LongLength, blob.Value.ContentLength);
            Assert.False(File.Exists(Path.Combine(exports, name + ".zip")));
        }
        else
        {
            Assert.Equal(bytes, await File.ReadAllBytesAsync(Path.Combine(exports, name + ".zip")));
        }
    }
}
