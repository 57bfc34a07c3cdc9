using Azure.Storage.Blobs;
using Returns.Grader.Web.Features.Photos;

namespace Returns.Grader.TestSupport;

/// <summary>
/// A container of its own on the Azurite emulator named by <see cref="AzuriteVariable"/> (./test.sh starts one), deleted
/// again on dispose, so no two tests share blobs. Skipped outside CI when there is no emulator; under CI=true a missing
/// emulator fails the cases instead (as for PostgreSQL, <see cref="TestDatabase"/>).
/// </summary>
public sealed class TestBlobContainer : IDisposable
{
    /// <summary>
    /// A full connection string to Azurite's blob service. Azurite's development account key in it is public (Microsoft
    /// documents it) and is accepted only by the emulator: it is no secret.
    /// </summary>
    public const string AzuriteVariable = "GRADER_TEST_AZURITE";

    private TestBlobContainer(string connectionString, BlobContainerClient container)
    {
        ConnectionString = connectionString;
        Container = container;
    }

    public string ConnectionString { get; }

    public BlobContainerClient Container { get; }

    /// <summary>The settings that point the app at this container.</summary>
    public IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Grader:Storage:Provider"] = nameof(StorageProvider.AzureBlob),
        ["ConnectionStrings:Blobs"] = ConnectionString,
        ["Grader:Storage:Container"] = Container.Name,
    };

    private static string? Azurite => Environment.GetEnvironmentVariable(AzuriteVariable) is { Length: > 0 } value ? value : null;

    /// <summary>Why the Azure Blob cases are skipped on this machine, or null when they run (always under CI=true).</summary>
    public static string? AzuriteSkipReason => Azurite is null && !TestDatabase.UnderCi
        ? $"No Azurite here: {AzuriteVariable} is not set. ./test.sh starts the emulator and sets it (under CI=true these cases fail instead)."
        : null;

    /// <summary>A new, empty container's client; the container itself is made by the store (PrepareAsync) or the app.</summary>
    public static TestBlobContainer Create()
    {
        var connectionString = Azurite ?? throw new InvalidOperationException(
            $"The Azure Blob tests must run here (CI=true) but {AzuriteVariable} is not set: run them through ./test.sh, which starts Azurite.");
        var container = new BlobServiceClient(connectionString).GetBlobContainerClient("t-" + Guid.NewGuid().ToString("N"));
        return new TestBlobContainer(connectionString, container);
    }

    public void Dispose()
    {
        try
        {
            Container.DeleteIfExists();
        }
        catch (Azure.RequestFailedException)
        {
            // The emulator's data folder is thrown away at the end of ./test.sh; never fail a test over cleanup.
        }
    }
}
