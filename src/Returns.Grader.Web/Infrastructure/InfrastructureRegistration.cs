using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Features.Decisions;
using Returns.Grader.Web.Features.Grading;

namespace Returns.Grader.Web.Infrastructure;

public static partial class InfrastructureRegistration
{
    public static WebApplicationBuilder AddGraderInfrastructure(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<GraderOptions>().BindConfiguration(GraderOptions.Section)
            // "Grader__TimeZone=" (empty) is "not set", the server's zone, as the README says; it was refused as a zone named ''
            .PostConfigure(o => o.TimeZone = string.IsNullOrWhiteSpace(o.TimeZone) ? null : o.TimeZone.Trim())
            .AddGraderSectionCheck().ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<TimeProvider>(MicrosecondClock.Instance);
        builder.Services.AddSingleton<SiteTime>();
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = RequestErrors.Customize);
        // Binding failures throw in every environment (the framework's default is Development only, and elsewhere answers
        // an empty 400), so that BadRequestExceptionHandler names the field and the reason.
        builder.Services.PostConfigure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        // A key given twice ({"grade":"LikeNew","grade":"Unsellable"}) is refused: the reader took the last one, so a client
        // and a proxy or log that read the first would disagree about the grade that was stored.
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.AllowDuplicateProperties = false;
            // A field the request does not have is refused, naming it: "damages" or "flagForRevew" was dropped without a
            // word, and the grade stored with no damage and no flag (API pass, 2026-12-05).
            o.SerializerOptions.UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow;
            // A number is a JSON number: the web defaults read "10" as 10, so a box of ["1",2,3,4] and a unitValue of "10"
            // were stored where the README promises a refusal naming the field (security pass, 2026-12-07).
            o.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict;
            o.SerializerOptions.Converters.Add(new NoNulCharacters.JsonConverter());
            o.SerializerOptions.Converters.Add(new ExactDecimalConverter());
        });
        builder.Services.AddExceptionHandler<BadRequestExceptionHandler>();
        builder.Services.AddExceptionHandler<DomainProblemHandler>();
        builder.Services.AddExceptionHandler<TransientStoreFailureHandler>();
        builder.Services.AddAntiforgery(o => o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest);
        builder.Services.AddOptions<ProxyOptions>().BindConfigurationStrictly(ProxyOptions.Section)
            .Configure<IConfiguration>(ProxyOptions.AddListsWrittenAsOneValue)
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<ProxyOptions>>((forwarded, proxy) =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            foreach (var address in proxy.Value.KnownProxies)
            {
                forwarded.KnownProxies.Add(IPAddress.Parse(address));
            }
            foreach (var network in proxy.Value.KnownNetworks)
            {
                forwarded.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }
        });
        // Sign-in and antiforgery cookies are protected with keys that must outlive the process and be shared by every node.
        var dataDirectory = (builder.Configuration.GetSection(GraderOptions.Section).Get<GraderOptions>() ?? new GraderOptions())
            .ResolveDataDirectory(builder.Environment.ContentRootPath);
        builder.AddGraderKeyRing(dataDirectory);
        builder.Services.AddOpenApi(options =>
        {
            OpenApiSecurity.Describe(options);
            ApiGroup.DescribeGetOnce(options);
        });
        builder.Services.AddHttpContextAccessor();
        return builder;
    }

    /// <summary>
    /// Work that must succeed before the app takes requests: migrations, the photo store (its folder or container), and
    /// loading the rubric (a bad one stops the start).
    /// </summary>
    public static async Task PrepareGraderAsync(this WebApplication app)
    {
        // Every setting first (what ValidateOnStart would check only when the host starts, after this): a wrong one stops
        // the start before the database is created or migrated, not after.
        app.Services.GetService<IStartupValidator>()?.Validate();
        _ = app.Services.GetRequiredService<RubricCatalog>();
        await app.MigrateGraderDatabaseAsync();
        await RebuildQualityCountsIfStaleAsync(app);
        await app.Services.GetRequiredService<Features.Photos.IPhotoStore>().PrepareAsync(CancellationToken.None);
        await app.Services.GetRequiredService<Features.Models.ModelRegistry>().InitializeAsync(CancellationToken.None);
        app.Lifetime.ApplicationStarted.Register(StartupFailures.Started);
    }

    /// <summary>The dashboard's daily counts arrived after the first decisions (ADR 0008), or their definition changed
    /// (ADR 0044): built again from the decisions, once, before serving.</summary>
    private static async Task RebuildQualityCountsIfStaleAsync(WebApplication app)
    {
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<GraderDb>>().CreateDbContextAsync();
        if (await Features.Decisions.QualityCountRebuild.RebuildIfStaleAsync(db, CancellationToken.None))
        {
            LogQualityCountsRebuilt(app.Logger);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Rebuilt the quality dashboard's daily counts from the stored decisions")]
    private static partial void LogQualityCountsRebuilt(ILogger logger);

    /// <summary>Serves wwwroot-assets/ (the app's own JS modules, CSS, icons), copied beside the binaries at build, under /assets.</summary>
    public static WebApplication UseGraderAssets(this WebApplication app)
    {
        var root = Path.Combine(AppContext.BaseDirectory, "wwwroot-assets");
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"The static assets folder {root} is missing; it is copied from wwwroot-assets/ at build.");
        }
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = new PhysicalFileProvider(root),
            RequestPath = "/assets",
            OnPrepareResponse = context => context.Context.Response.Headers.CacheControl = "no-cache",
        });
        return app;
    }
}
