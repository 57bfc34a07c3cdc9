using Azure.Storage.Blobs.Models;
using Returns.Grader.TestSupport;
using Returns.Grader.Web.Features.Photos;

namespace Returns.Grader.IntegrationTests.Photos;

/// <summary>
/// The promises of <see cref="IPhotoStore"/>, the same cases on both stores: the file system and Azure Blob Storage (on
/// Azurite). The app depends on these and on nothing else of either store.
/// </summary>
public sealed class PhotoStoreContractTests : IDisposable
{
    private readonly string _directory = GraderAppFactory.NewTemporaryDirectory();
    private TestBlobContainer? _container;

    private async Task<IPhotoStore> StoreAsync(StorageProvider provider)
    {
        IPhotoStore store = provider == StorageProvider.AzureBlob
            ? new AzureBlobPhotoStore((_container = TestBlobContainer.Create()).Container)
            : new FileSystemPhotoStore(_directory);
        await store.PrepareAsync(CancellationToken.None);
        return store;
    }

    private static string NewKey() => $"{DateTime.UtcNow:yyyy/MM/dd}/{Guid.NewGuid():N}.jpg";

    private static byte[] Bytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static async Task<byte[]?> ReadAsync(IPhotoStore store, string key)
    {
        await using var stream = await store.OpenReadAsync(key, CancellationToken.None);
        if (stream is null)
        {
            return null;
        }
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    private static async Task<List<StoredPhoto>> ListAsync(IPhotoStore store)
    {
        var all = new List<StoredPhoto>();
        await foreach (var entry in store.ListAsync(CancellationToken.None))
        {
            all.Add(entry);
        }
        return all;
    }

    [Theory, OnFileSystemStore, OnAzurite]
    public async Task Save_ThenOpen_GivesTheSameBytes_AndDelete_RemovesThem(StorageProvider provider)
    {
        var store = await StoreAsync(provider);
        var key = NewKey();
        var content = Bytes(300_000, seed: 1);

        await store.SaveAsync(key, content, CancellationToken.None);
        Assert.Equal(content, await ReadAsync(store, key));

        await store.DeleteAsync(key, CancellationToken.None);
        Assert.Null(await ReadAsync(store, key));
        await store.DeleteAsync(key, CancellationToken.None); // deleting what is not there is fine (cleanup after cleanup)
    }

    [Theory, OnFileSystemStore, OnAzurite]
    public async Task Open_AKeyNeverWritten_IsNull(StorageProvider provider)
    {
        var store = await StoreAsync(provider);
        Assert.Null(await store.OpenReadAsync(NewKey(), CancellationToken.None));
    }

    [Theory, OnFileSystemStore, OnAzurite]
    public async Task Save_ToATakenKey_IsRefused_AndTheFirstPhotoStaysWhole(StorageProvider provider)
    {
        var store = await StoreAsync(provider);
        var key = NewKey();
        var first = Bytes(10_000, seed: 2);
        await store.SaveAsync(key, first, CancellationToken.None);

        await Assert.ThrowsAsync<IOException>(() => store.SaveAsync(key, Bytes(20_000, seed: 3), CancellationToken.None));

        Assert.Equal(first, await ReadAsync(store, key));
        Assert.Equal([key], (await ListAsync(store)).Select(e => e.Key));
    }

    [Theory, OnFileSystemStore, OnAzurite]
    public async Task Save_CancelledBeforeItStarts_LeavesNothing(StorageProvider provider)
    {
        var store = await StoreAsync(provider);
        var key = NewKey();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.SaveAsync(key, Bytes(10_000, seed: 4), new CancellationToken(canceled: true)));

        Assert.Null(await ReadAsync(store, key));
        Assert.Empty(await ListAsync(store));
    }

    [Theory, OnFileSystemStore, OnAzurite]
    public async Task Save_CancelledWhileWriting_LeavesTheWholePhotoOrNothing(StorageProvider provider)
    {
        var store = await StoreAsync(provider);
        var content = Bytes(24 * 1024 * 1024, seed: 5);
        // Where the cut falls is up to the machine (a local disk may finish first); each outcome must be whole or nothing.
        foreach (var delay in new[] { 1, 5, 20, 60 })
        {
            var key = NewKey();
            using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(delay));
            var saved = true;
            try
            {
                await store.SaveAsync(key, content, cancel.Token);
            }
            catch (OperationCanceledException)
            {
                saved = false;
            }
            // Never a part: either the save returned and the photo is whole, or it threw and there is nothing to see.
            var read = await ReadAsync(store, key);
            if (saved)
            {
                Assert.Equal(content, read);
            }
            else
            {
                Assert.Null(read);
                Assert.DoesNotContain(await ListAsync(store), e => e.Key.StartsWith(key, StringComparison.Ordinal));
            }
        }
    }

    [Theory, OnFileSystemStore, OnAzurite]
    public async Task List_GivesEveryPhotoWithItsTime_AndNothingTheAppDidNotWriteAsAPhoto(StorageProvider provider)
    {
        var store = await StoreAsync(provider);
        var keys = new[] { NewKey(), NewKey() };
        foreach (var key in keys)
        {
            await store.SaveAsync(key, Bytes(1000, seed: 6), CancellationToken.None);
        }
        // Neighbours that must never be swept as photos: an export package, someone's notes.
        if (_container is { } container)
        {
            await container.Container.UploadBlobAsync("exports/returns-grader-labels-0001.zip", BinaryData.FromBytes([1, 2, 3]));
            await container.Container.UploadBlobAsync("notes.txt", BinaryData.FromString("keep me"));
        }
        else
        {
            Directory.CreateDirectory(Path.Combine(_directory, "exports"));
            await File.WriteAllTextAsync(Path.Combine(_directory, "exports", "returns-grader-labels-0001.zip"), "zip");
            await File.WriteAllTextAsync(Path.Combine(_directory, "notes.txt"), "keep me");
        }

        var listed = await ListAsync(store);

        Assert.Equal(keys.Order(StringComparer.Ordinal), listed.Select(e => e.Key).Order(StringComparer.Ordinal));
        Assert.All(listed, e => Assert.InRange(e.LastModified, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(5)));
    }

    [Theory, OnFileSystemStore, OnAzurite]
    public async Task ConcurrentSaves_OfDifferentKeys_AllArriveWhole(StorageProvider provider)
    {
        var store = await StoreAsync(provider);
        var photos = Enumerable.Range(0, 24).Select(i => (Key: NewKey(), Content: Bytes(50_000 + i, seed: 100 + i))).ToList();

        await Task.WhenAll(photos.Select(p => Task.Run(() => store.SaveAsync(p.Key, p.Content, CancellationToken.None))));

        foreach (var (key, content) in photos)
        {
            Assert.Equal(content, await ReadAsync(store, key));
        }
        Assert.Equal(photos.Count, (await ListAsync(store)).Count);
    }

    [Theory, OnFileSystemStore, OnAzurite]
    public async Task CheckWritable_LeavesNoProbeBehind(StorageProvider provider)
    {
        var store = await StoreAsync(provider);
        await store.CheckWritableAsync(CancellationToken.None);
        Assert.Empty(await ListAsync(store));
    }

    [Theory, OnFileSystemStore, OnAzurite]
    public async Task ANameTheAppDoesNotGive_IsRefused(StorageProvider provider)
    {
        var store = await StoreAsync(provider);
        await Assert.ThrowsAsync<ArgumentException>(() => store.SaveAsync("../outside.jpg", new byte[] { 1 }, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => store.OpenReadAsync("exports/returns-grader-labels-0001.zip", CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => store.DeleteAsync("notes.txt", CancellationToken.None));
    }

    [Theory, OnAzurite]
    public async Task AzureBlob_APhotoIsABlockBlobUnderItsKey_AsAJpeg(StorageProvider provider)
    {
        var store = await StoreAsync(provider);
        var key = NewKey();
        await store.SaveAsync(key, Bytes(1000, seed: 7), CancellationToken.None);

        BlobProperties properties = await _container!.Container.GetBlobClient(key).GetPropertiesAsync();

        Assert.Equal(BlobType.Block, properties.BlobType);
        Assert.Equal("image/jpeg", properties.ContentType);
        Assert.Equal(1000, properties.ContentLength);
    }

    public void Dispose()
    {
        GraderAppFactory.TryDelete(_directory);
        _container?.Dispose();
    }
}
