using System.Reflection;
using Returns.Grader.TestSupport;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Features.Photos;
using Xunit.Sdk;

namespace Returns.Grader.IntegrationTests;

/// <summary>A theory case on SQLite (the embedded default).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class OnSqliteAttribute : DataAttribute
{
    public override IEnumerable<object[]> GetData(MethodInfo testMethod) => [[DatabaseProvider.Sqlite]];
}

/// <summary>
/// A theory case on PostgreSQL (the server ./test.sh starts). Skipped, with the reason shown, only on a machine without
/// one outside CI; under CI=true a missing server fails the case instead.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class OnPostgresAttribute : DataAttribute
{
    public OnPostgresAttribute() => Skip = TestDatabase.PostgresSkipReason;

    public override IEnumerable<object[]> GetData(MethodInfo testMethod) => [[DatabaseProvider.Postgres]];
}

/// <summary>A theory case on the file-system photo store (the embedded default).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class OnFileSystemStoreAttribute : DataAttribute
{
    public override IEnumerable<object[]> GetData(MethodInfo testMethod) => [[StorageProvider.FileSystem]];
}

/// <summary>
/// A theory case on the Azure Blob photo store, against Azurite (the emulator ./test.sh starts). Skipped, with the reason
/// shown, only on a machine without one outside CI; under CI=true a missing emulator fails the case instead.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class OnAzuriteAttribute : DataAttribute
{
    public OnAzuriteAttribute() => Skip = TestBlobContainer.AzuriteSkipReason;

    public override IEnumerable<object[]> GetData(MethodInfo testMethod) => [[StorageProvider.AzureBlob]];
}
