using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Returns.Grader.TestSupport;
using Returns.Grader.Web.Data;

namespace Returns.Grader.IntegrationTests;

/// <summary>
/// The sign-in key ring in the database (issue 18, ADR 0025): encrypted at rest when a certificate is configured, and a
/// certificate path that names nothing stops the start instead of leaving the keys in plain text unnoticed.
/// </summary>
public sealed class KeyRingTests : IDisposable
{
    private readonly string _folder = GraderAppFactory.NewTemporaryDirectory();

    public void Dispose() => GraderAppFactory.TryDelete(_folder);

    private string SelfSignedPfx()
    {
        Directory.CreateDirectory(_folder);
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=Returns.Grader key ring (test)", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var path = Path.Combine(_folder, "keyring.pfx");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pkcs12, "test-only"));
        return path;
    }

    [Fact]
    public async Task WithACertificate_TheKeysInTheDatabaseAreEncrypted()
    {
        using var app = new GraderAppFactory
        {
            Settings =
            {
                ["Grader:DataProtection:KeyStore"] = "Database",
                ["Grader:DataProtection:CertificatePath"] = SelfSignedPfx(),
                ["Grader:DataProtection:CertificatePassword"] = "test-only",
                ["Grader:Vision:ModelDirectory"] = "",
            },
        };
        (await app.CreateClient().GetAsync("/account/login")).EnsureSuccessStatusCode(); // the form's antiforgery token makes the first key

        await using var db = await app.Services.GetRequiredService<IDbContextFactory<GraderDb>>().CreateDbContextAsync();
        var keys = await db.DataProtectionKeys.AsNoTracking().ToListAsync();
        var key = Assert.Single(keys);
        Assert.Contains("encryptedSecret", key.Xml, StringComparison.Ordinal);
        Assert.DoesNotContain("<masterKey", key.Xml, StringComparison.Ordinal); // never the plain secret
        Assert.False(Directory.Exists(Path.Combine(app.DataDirectory, "keys")), "no key ring on the node's disk");
    }

    /// <summary>
    /// A key certificate that cannot protect anything stops the start naming the setting: a PFX without its private key
    /// (it started, and every restart signed everyone out), a file that is not a PFX, a wrong password (operator pass).
    /// </summary>
    [Theory]
    [InlineData("no private key", "without its private key")]
    [InlineData("not a pfx", "cannot be read as a PFX")]
    [InlineData("wrong password", "cannot be read as a PFX")]
    public void AKeyCertificateThatCannotProtectTheKeys_StopsTheStart_NamingTheSetting(string kind, string said)
    {
        var path = Path.Combine(_folder, "broken.pfx");
        var pfx = SelfSignedPfx();
        switch (kind)
        {
            case "no private key":
                using (var withKey = X509CertificateLoader.LoadPkcs12FromFile(pfx, "test-only"))
                using (var publicOnly = X509CertificateLoader.LoadCertificate(withKey.Export(X509ContentType.Cert)))
                {
                    File.WriteAllBytes(path, new X509Certificate2Collection(publicOnly).Export(X509ContentType.Pkcs12, "test-only")!);
                }
                break;
            case "not a pfx":
                File.WriteAllText(path, "-----BEGIN CERTIFICATE-----\nnot one\n-----END CERTIFICATE-----\n");
                break;
            default:
                File.Copy(pfx, path);
                break;
        }
        using var app = new GraderAppFactory
        {
            Settings =
            {
                ["Grader:DataProtection:CertificatePath"] = path,
                ["Grader:DataProtection:CertificatePassword"] = kind == "wrong password" ? "not-the-password" : "test-only",
                ["Grader:Vision:ModelDirectory"] = "",
            },
        };

        var error = Assert.ThrowsAny<Exception>(() => app.CreateClient());
        var message = string.Join(" | ", Chain(error).Select(e => e.Message));
        Assert.Contains("Grader:DataProtection:CertificatePath", message, StringComparison.Ordinal);
        Assert.Contains(said, message, StringComparison.Ordinal);
    }

    private static IEnumerable<Exception> Chain(Exception? error)
    {
        for (; error is not null; error = error.InnerException)
        {
            yield return error;
        }
    }

    [Fact]
    public void ACertificatePathThatNamesNothing_StopsTheStart()
    {
        using var app = new GraderAppFactory
        {
            Settings =
            {
                ["Grader:DataProtection:KeyStore"] = "Database",
                ["Grader:DataProtection:CertificatePath"] = Path.Combine(_folder, "missing.pfx"),
                ["Grader:Vision:ModelDirectory"] = "",
            },
        };

        var error = Assert.Throws<OptionsValidationException>(() => app.CreateClient());
        Assert.Contains("CertificatePath", error.Message, StringComparison.Ordinal);
    }
}
