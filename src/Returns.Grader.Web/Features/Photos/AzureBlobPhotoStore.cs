using System.Runtime.CompilerServices;
using Azure;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace Returns.Grader.Web.Features.Photos;

/// <summary>
/// Photos as block blobs named by their keys in one container (ADR 0023). A photo is uploaded in one request with
/// If-None-Match: * — a block blob is invisible until its upload completes, so a failed or cancelled request leaves no
/// blob, and a taken key is refused, as the file store refuses it. Every store failure surfaces as an IOException.
/// </summary>
public sealed class AzureBlobPhotoStore(BlobContainerClient container) : IPhotoStore
{
    public BlobContainerClient Container { get; } = container;

    public async Task PrepareAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        }
        catch (Exception e) when (e is RequestFailedException or AuthenticationFailedException)
        {
            throw new InvalidOperationException(
                $"The photo store's container '{Container.Name}' on {Container.Uri.GetLeftPart(UriPartial.Authority)} cannot be reached or created " +
                $"({Describe(e)}). Check ConnectionStrings:Blobs or Grader:Storage:AccountUrl (the identity needs the role Storage Blob Data " +
                "Contributor) and Grader:Storage:Container.", e);
        }
    }

    public async Task SaveAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        Check(key, PhotoKeys.IsPhotoKey);
        await Guard("write", key, () => Container.GetBlobClient(key).UploadAsync(BinaryData.FromBytes(content), new BlobUploadOptions
        {
            HttpHeaders = new BlobHttpHeaders { ContentType = "image/jpeg" },
            Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All }, // written once, never overwritten
        }, cancellationToken));
    }

    public async Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken)
    {
        Check(key, PhotoKeys.IsPhotoKey);
        try
        {
            var download = await Container.GetBlobClient(key).DownloadStreamingAsync(cancellationToken: cancellationToken);
            return download.Value.Content; // disposing it releases the response
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
        catch (Exception e) when (e is RequestFailedException or AuthenticationFailedException)
        {
            throw Failure("read", key, e);
        }
    }

    public async Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        Check(key, PhotoKeys.IsStoreName);
        await Guard("delete", key, () => Container.GetBlobClient(key).DeleteIfExistsAsync(cancellationToken: cancellationToken));
    }

    public async IAsyncEnumerable<StoredPhoto> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var pages = Container.GetBlobsAsync(new GetBlobsOptions(), cancellationToken).AsPages().GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                Page<BlobItem> page;
                try
                {
                    if (!await pages.MoveNextAsync())
                    {
                        yield break;
                    }
                    page = pages.Current;
                }
                catch (Exception e) when (e is RequestFailedException or AuthenticationFailedException)
                {
                    throw Failure("list", Container.Name, e);
                }
                // Export packages (exports/…) and anything else in the container are not photo names: never listed, never swept.
                foreach (var blob in page.Values.Where(b => PhotoKeys.IsStoreName(b.Name)))
                {
                    yield return new StoredPhoto(blob.Name, blob.Properties.LastModified ?? DateTimeOffset.MaxValue);
                }
            }
        }
        finally
        {
            await pages.DisposeAsync();
        }
    }

    public async Task CheckWritableAsync(CancellationToken cancellationToken)
    {
        var probe = Container.GetBlobClient(PhotoKeys.NewProbeName());
        await Guard("write", probe.Name, () => probe.UploadAsync(BinaryData.FromBytes([1]), overwrite: false, cancellationToken));
        await Guard("delete", probe.Name, () => probe.DeleteIfExistsAsync(cancellationToken: cancellationToken));
    }

    private static void Check(string key, Func<string, bool> allowed)
    {
        if (!allowed(key))
        {
            throw new ArgumentException($"'{key}' is not a photo key.", nameof(key));
        }
    }

    private async Task Guard<T>(string action, string key, Func<Task<T>> call)
    {
        try
        {
            await call();
        }
        catch (Exception e) when (e is RequestFailedException or AuthenticationFailedException)
        {
            throw Failure(action, key, e);
        }
    }

    private IOException Failure(string action, string key, Exception e) =>
        new($"Azure Blob Storage could not {action} '{key}' in container '{Container.Name}': {Describe(e)}.", e);

    private static string Describe(Exception e) => e switch
    {
        RequestFailedException { Status: 0 } failed => $"no answer: {failed.InnerException?.Message ?? failed.Message}",
        RequestFailedException failed => $"{failed.Status} {failed.ErrorCode}",
        _ => $"sign-in failed: {e.Message}",
    };
}
