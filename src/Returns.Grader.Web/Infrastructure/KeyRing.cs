using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection;
using Returns.Grader.Web.Data;

namespace Returns.Grader.Web.Infrastructure;

public enum KeyStore
{
    /// <summary>Under the data directory (keys/): one node, the embedded default.</summary>
    FileSystem,

    /// <summary>In the app's database: every node sharing the database reads the same keys (issue 18).</summary>
    Database,
}

/// <summary>
/// Section "Grader:DataProtection": where the keys that protect the sign-in and antiforgery cookies live. Nodes behind
/// one load balancer must share them, or a cookie issued by one node is refused by the next (signed out mid-shift).
/// </summary>
public sealed class KeyRingOptions : IValidatableObject
{
    public const string Section = "Grader:DataProtection";

    [EnumDataType(typeof(KeyStore))]
    public KeyStore KeyStore { get; set; } = KeyStore.FileSystem;

    /// <summary>
    /// A PFX certificate whose key encrypts the keys at rest (file system or database). Without one they are stored as
    /// plain XML, readable by whoever can read the folder or the table: set one wherever that is more than this app.
    /// </summary>
    public string? CertificatePath { get; set; }

    public string? CertificatePassword { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrWhiteSpace(CertificatePath) && !File.Exists(CertificatePath))
        {
            yield return new ValidationResult(
                $"Grader:DataProtection:CertificatePath names a file that does not exist: {CertificatePath}.", [nameof(CertificatePath)]);
        }
    }
}

public static class KeyRing
{
    public static WebApplicationBuilder AddGraderKeyRing(this WebApplicationBuilder builder, string dataDirectory)
    {
        builder.Services.AddOptions<KeyRingOptions>().BindConfigurationStrictly(KeyRingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        var options = builder.Configuration.GetSection(KeyRingOptions.Section).Get<KeyRingOptions>() ?? new KeyRingOptions();
        var keys = builder.Services.AddDataProtection().SetApplicationName("Returns.Grader");
        if (options.KeyStore == KeyStore.Database)
        {
            // The library resolves the context type from a scope; AddDbContextFactory registers the provider's subclass so.
            var provider = builder.Configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>()?.Provider ?? DatabaseProvider.Sqlite;
            _ = provider switch
            {
                DatabaseProvider.SqlServer => keys.PersistKeysToDbContext<SqlServerGraderDb>(),
                DatabaseProvider.Postgres => keys.PersistKeysToDbContext<PostgresGraderDb>(),
                _ => keys.PersistKeysToDbContext<SqliteGraderDb>(),
            };
        }
        else
        {
            // Beside the data (the container's volume), not in the user's home, which a redeployed container does not keep.
            keys.PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(dataDirectory, "keys")));
        }
        if (!string.IsNullOrWhiteSpace(options.CertificatePath) && File.Exists(options.CertificatePath))
        {
            keys.ProtectKeysWithCertificate(KeyCertificate(options.CertificatePath, options.CertificatePassword));
        }
        return builder;
    }

    /// <summary>
    /// The key-encrypting certificate, or a refusal naming the setting: a file that is not a PFX or a wrong password
    /// stopped the start with "ASN1 corrupted data" alone, and a PFX without its private key started, wrote keys nobody
    /// could read back, and signed everyone out at every restart (operator pass, 2026-12-05).
    /// </summary>
    private static X509Certificate2 KeyCertificate(string path, string? password)
    {
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(path, password);
        }
        catch (CryptographicException e)
        {
            throw StartupFailures.RefusedSetting(KeyRingOptions.Section,
                $"Grader:DataProtection:CertificatePath ({path}) cannot be read as a PFX (PKCS#12) file with Grader:DataProtection:CertificatePassword: {e.Message}");
        }
        if (!certificate.HasPrivateKey)
        {
            certificate.Dispose();
            throw StartupFailures.RefusedSetting(KeyRingOptions.Section,
                $"Grader:DataProtection:CertificatePath ({path}) holds a certificate without its private key: keys encrypted with it could never be read back, and every restart would sign everyone out. Export the certificate with its private key.");
        }
        return certificate;
    }
}
