using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Returns.Grader.Web.Data;

/// <summary>
/// The product's database. One model, three providers: each provider has its own subclass so that EF keeps a
/// migration set per provider in Data/Migrations/Sqlite, Data/Migrations/SqlServer and Data/Migrations/Postgres
/// (see ADR 0003; PostgreSQL joined later, see its ADR in docs/decisions).
/// </summary>
public abstract class GraderDb(DbContextOptions options) : DbContext(options), IDataProtectionKeyContext
{
    public DbSet<ReturnItem> ReturnItems => Set<ReturnItem>();
    public DbSet<Photo> Photos => Set<Photo>();
    public DbSet<Prediction> Predictions => Set<Prediction>();
    public DbSet<GradeDecision> GradeDecisions => Set<GradeDecision>();
    public DbSet<DamageRegion> DamageRegions => Set<DamageRegion>();
    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();
    public DbSet<ReviewTask> ReviewTasks => Set<ReviewTask>();
    public DbSet<QualityDailyCount> QualityDailyCounts => Set<QualityDailyCount>();
    public DbSet<QualityHourlyCount> QualityHourlyCounts => Set<QualityHourlyCount>();
    public DbSet<ExportJob> ExportJobs => Set<ExportJob>();
    public DbSet<RegisteredModel> RegisteredModels => Set<RegisteredModel>();
    public DbSet<RegisteredModelFile> RegisteredModelFiles => Set<RegisteredModelFile>();
    public DbSet<SignedOutSession> SignedOutSessions => Set<SignedOutSession>();

    /// <summary>The keys that protect sign-in and antiforgery cookies, when nodes share them (Grader:DataProtection:KeyStore = Database).</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(GraderDb).Assembly);

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Every time is UTC; SQLite hands DateTime back as Unspecified, so say so on the way out.
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
    }

    /// <summary>Renews the concurrency token of every changed versioned row, so a stale copy's save fails on both providers.</summary>
    public override Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        RenewVersions();
        return base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
    }

    /// <summary>The app saves asynchronously; the Data Protection key store (a library) saves its keys with this.</summary>
    public override int SaveChanges(bool acceptAllChangesOnSuccess)
    {
        RenewVersions();
        return base.SaveChanges(acceptAllChangesOnSuccess);
    }

    private void RenewVersions()
    {
        foreach (var entry in ChangeTracker.Entries<IVersioned>())
        {
            if (entry.State is EntityState.Added or EntityState.Modified)
            {
                entry.Entity.Version = Guid.NewGuid();
            }
        }
    }

    private sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
        v => v.Kind == DateTimeKind.Utc ? v : v.ToUniversalTime(),
        v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
}

public sealed class SqliteGraderDb(DbContextOptions<SqliteGraderDb> options) : GraderDb(options)
{
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        base.ConfigureConventions(configurationBuilder);
        // SQLite has no decimal type; EF would store text and refuse to compare or sum it in SQL.
        // Money is kept to the cent, which a double holds exactly far beyond any unit value.
        configurationBuilder.Properties<decimal>().HaveConversion<double>();
    }
}

public sealed class SqlServerGraderDb(DbContextOptions<SqlServerGraderDb> options) : GraderDb(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);
        // SQL Server's own quoting (the shared filter's double quotes need QUOTED_IDENTIFIER, which EF sets, but this is
        // how EF writes its own filters there). Not run here: no SQL Server on this machine (README).
        modelBuilder.Entity<RegisteredModel>().HasIndex(m => m.State, Configurations.RegisteredModelConfiguration.OneModelPerSlotIndex)
            .HasFilter("[State] <> N'Retired'");
    }
}

public sealed class PostgresGraderDb(DbContextOptions<PostgresGraderDb> options) : GraderDb(options);
