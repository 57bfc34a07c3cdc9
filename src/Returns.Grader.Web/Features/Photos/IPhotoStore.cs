namespace Returns.Grader.Web.Features.Photos;

/// <summary>
/// Where sanitized photos are kept, by generated key. Two implementations are planned: the file system (embedded
/// default, this one) and Azure Blob Storage (issue: blob store), hence the interface.
/// </summary>
public interface IPhotoStore
{
    /// <summary>Stores the bytes durably under a new key; returns only once they are safely written.</summary>
    Task SaveAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken);

    /// <summary>Opens a stored photo, or null if there is none under that key.</summary>
    Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken);

    Task DeleteAsync(string key, CancellationToken cancellationToken);

    /// <summary>Throws if the store cannot be written to (readiness).</summary>
    Task CheckWritableAsync(CancellationToken cancellationToken);
}
