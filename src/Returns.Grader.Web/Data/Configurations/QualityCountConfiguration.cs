using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Returns.Grader.Web.Data.Configurations;

internal sealed class QualityDailyCountConfiguration : IEntityTypeConfiguration<QualityDailyCount>
{
    public void Configure(EntityTypeBuilder<QualityDailyCount> count)
    {
        // The dashboard reads one slice over a range of days: the key leads with the slice, then the day.
        count.HasKey(c => new { c.Scope, c.ScopeValue, c.Day, c.Figure, c.A, c.B });
        count.Property(c => c.ScopeValue).HasMaxLength(200);
    }
}

internal sealed class QualityHourlyCountConfiguration : IEntityTypeConfiguration<QualityHourlyCount>
{
    public void Configure(EntityTypeBuilder<QualityHourlyCount> count)
    {
        // The name is not part of the key (the latest one is kept): SQL Server's 900-byte key limit.
        count.HasKey(c => new { c.Hour, c.ActorId, c.Category, c.ModelVersion });
        count.Property(c => c.ActorId).HasMaxLength(200);
        count.Property(c => c.ActorName).HasMaxLength(200);
        count.Property(c => c.Category).HasMaxLength(100);
        count.Property(c => c.ModelVersion).HasMaxLength(100);
        count.HasIndex(c => new { c.ActorId, c.Hour });
        count.HasIndex(c => new { c.Category, c.Hour });
        count.HasIndex(c => new { c.ModelVersion, c.Hour });
    }
}
