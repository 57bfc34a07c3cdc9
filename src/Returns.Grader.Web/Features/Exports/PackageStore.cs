using Azure;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace Returns.Grader.Web.Features.Exports;

/// <summary>
/// Where completed export packages are kept and downloaded from: the exports folder, or the app's blob container under
/// <c>exports/</c> (ADR 0023), the same choice as the photos (<c>Grader:Storage:Provider</c>). A package is always written
/// to a local file first (the worker needs a file to hash and the zip writer seeks); publishing makes it visible whole.
/// </summary>
public interface IPackageStore
{
    /// <summary>
    /// Publishes a complete, hashed local file as the package <paramref name="name"/>, consuming the file. It is visible
    /// whole or not at all, and an existing package of that name is refused, never overwritten.
    /// </summary>
    Task PublishAsync(string name, string completedFile, CancellationToken cancellationToken);

    /// <summary>A seekable stream of the package (for range requests), or null when there is none.</summary>
    Task<Stream?> OpenReadAsync(string name, CancellationToken cancellationToken);

    /// <summary>Removes the package (one no job vouches for, before a rerun); nothing there is fine.</summary>
    Task DeleteAsync(string name, CancellationToken cancellationToken);
}

/// <summary>Packages in the exports folder beside their partial files, renamed into place and made read-only.</summary>
public sealed class FileSystemPackageStore(ExportStorage storage) : IPackageStore
{
    public Task PublishAsync(string name, string completedFile, CancellationToken cancellationToken)
    {
        var package = storage.PackagePath(name);
        File.Move(completedFile, package, overwrite: false); // a rename: the package appears whole
        SetReadOnly(package, readOnly: true); // immutable: readable, never written again
        return Task.CompletedTask;
    }

    public Task<Stream?> OpenReadAsync(string name, CancellationToken cancellationToken)
    {
        var path = storage.PackagePath(name);
        Stream? stream = File.Exists(path)
            ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.Asynchronous)
            : null;
        return Task.FromResult(stream);
    }

    public Task DeleteAsync(string name, CancellationToken cancellationToken)
    {
        var package = storage.PackagePath(name);
        if (File.Exists(package))
        {
            SetReadOnly(package, readOnly: false);
            File.Delete(package);
        }
        return Task.CompletedTask;
    }

    private static void SetReadOnly(string path, bool readOnly)
    {
        if (OperatingSystem.IsWindows())
        {
            File.SetAttributes(path, readOnly ? FileAttributes.ReadOnly : FileAttributes.Normal);
        }
        else
        {
            File.SetUnixFileMode(path, readOnly ? UnixFileMode.UserRead | UnixFileMode.GroupRead : UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}

/// <summary>
/// Packages as block blobs <c>exports/&lt;name&gt;.zip</c> in the app's container. The upload stages blocks and commits
/// them at the end; until that commit nothing is visible, so an interrupted upload leaves no package (Azure discards
/// uncommitted blocks by itself after a week). Failures surface as IOException, as the photo store's do.
/// </summary>
public sealed class AzureBlobPackageStore(BlobContainerClient container) : IPackageStore
{
    public const string Prefix = "exports/";

    public static string BlobName(string name) => $"{Prefix}{name}.zip";

    public async Task PublishAsync(string name, string completedFile, CancellationToken cancellationToken)
    {
        try
        {
            await container.GetBlobClient(BlobName(name)).UploadAsync(completedFile, new BlobUploadOptions
            {
                HttpHeaders = new BlobHttpHeaders { ContentType = "application/zip" },
                Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
            }, cancellationToken);
        }
        catch (Exception e) when (e is RequestFailedException or AuthenticationFailedException)
        {
            throw Failure("upload", name, e);
        }
        File.Delete(completedFile);
    }

    public async Task<Stream?> OpenReadAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            // Seekable, read in 4 MiB ranges as the response is sent; refuses to go on if the blob changed meanwhile.
            return await container.GetBlobClient(BlobName(name)).OpenReadAsync(
                new BlobOpenReadOptions(allowModifications: false) { BufferSize = 4 * 1024 * 1024 }, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
        catch (Exception e) when (e is RequestFailedException or AuthenticationFailedException)
        {
            throw Failure("read", name, e);
        }
    }

    public async Task DeleteAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            await container.GetBlobClient(BlobName(name)).DeleteIfExistsAsync(cancellationToken: cancellationToken);
        }
        catch (Exception e) when (e is RequestFailedException or AuthenticationFailedException)
        {
            throw Failure("delete", name, e);
        }
    }

    private IOException Failure(string action, string name, Exception e) =>
        new($"Azure Blob Storage could not {action} the export package '{BlobName(name)}' in container '{container.Name}': " +
            (e is RequestFailedException failed ? $"{failed.Status} {failed.ErrorCode}" : e.Message) + ".", e);
}
