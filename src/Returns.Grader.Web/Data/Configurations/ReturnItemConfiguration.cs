using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Returns.Grader.Web.Data.Configurations;

internal sealed class ReturnItemConfiguration : IEntityTypeConfiguration<ReturnItem>
{
    public void Configure(EntityTypeBuilder<ReturnItem> item)
    {
        item.HasKey(i => i.Id);
        item.Property(i => i.ReturnId).HasMaxLength(64);
        item.HasIndex(i => i.ReturnId).IsUnique();
        item.Property(i => i.Sku).HasMaxLength(64);
        item.Property(i => i.Title).HasMaxLength(300);
        item.Property(i => i.Category).HasMaxLength(100);
        item.Property(i => i.UnitValue).HasPrecision(18, 2);
        item.Property(i => i.Status).HasConversion<string>().HasMaxLength(16);
        item.Property(i => i.CreatedBy).HasMaxLength(200);
        item.Property(i => i.Version).IsConcurrencyToken();
        item.HasIndex(i => new { i.Status, i.UpdatedAt });
        item.HasMany(i => i.Photos).WithOne(p => p.ReturnItem).HasForeignKey(p => p.ReturnItemId).OnDelete(DeleteBehavior.Restrict);
        item.HasMany(i => i.Decisions).WithOne(d => d.ReturnItem).HasForeignKey(d => d.ReturnItemId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class PhotoConfiguration : IEntityTypeConfiguration<Photo>
{
    public void Configure(EntityTypeBuilder<Photo> photo)
    {
        photo.HasKey(p => p.Id);
        photo.Property(p => p.StorageKey).HasMaxLength(200);
        photo.HasIndex(p => p.StorageKey).IsUnique();
        photo.Property(p => p.ContentType).HasMaxLength(50);
        photo.Property(p => p.Sha256).HasMaxLength(64);
        photo.Property(p => p.OriginalFileName).HasMaxLength(255);
        photo.Property(p => p.SourceFormat).HasMaxLength(10);
        photo.Property(p => p.QualityWarnings).HasMaxLength(100);
        photo.Property(p => p.UploadedBy).HasMaxLength(200);
        photo.Property(p => p.SetAsideReason).HasConversion<string>().HasMaxLength(16);
        photo.Property(p => p.SetAsideById).HasMaxLength(200);
        photo.Property(p => p.SetAsideByName).HasMaxLength(200);
        photo.HasIndex(p => new { p.ReturnItemId, p.UploadedAt });
        photo.HasMany(p => p.Predictions).WithOne(p => p.Photo).HasForeignKey(p => p.PhotoId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class PredictionConfiguration : IEntityTypeConfiguration<Prediction>
{
    public void Configure(EntityTypeBuilder<Prediction> prediction)
    {
        prediction.HasKey(p => p.Id);
        prediction.Property(p => p.ModelVersion).HasMaxLength(100);
        prediction.Property(p => p.Grade).HasConversion<string>().HasMaxLength(16);
        prediction.HasIndex(p => new { p.PhotoId, p.ModelVersion });
        prediction.HasIndex(p => new { p.ModelVersion, p.CreatedAt });
    }
}

internal sealed class GradeDecisionConfiguration : IEntityTypeConfiguration<GradeDecision>
{
    public void Configure(EntityTypeBuilder<GradeDecision> decision)
    {
        decision.HasKey(d => d.Id);
        decision.Property(d => d.Kind).HasConversion<string>().HasMaxLength(16);
        decision.Property(d => d.Grade).HasConversion<string>().HasMaxLength(16);
        decision.Property(d => d.RubricGrade).HasConversion<string>().HasMaxLength(16);
        decision.Property(d => d.SuggestedGrade).HasConversion<string>().HasMaxLength(16);
        decision.Property(d => d.Disposition).HasConversion<string>().HasMaxLength(24);
        decision.Property(d => d.Notes).HasMaxLength(2000);
        decision.Property(d => d.ContradictionReason).HasMaxLength(500);
        decision.Property(d => d.RubricVersion).HasMaxLength(20);
        decision.Property(d => d.ActorId).HasMaxLength(200);
        decision.Property(d => d.ActorName).HasMaxLength(200);
        decision.Property(d => d.ActorRole).HasMaxLength(32);
        decision.Property(d => d.SuggestedByModel).HasMaxLength(100);
        decision.Property(d => d.ReasonCode).HasMaxLength(40);
        decision.Property(d => d.PhotoWarnings).HasMaxLength(100);
        decision.HasIndex(d => new { d.ReturnItemId, d.DecidedAt });
        decision.HasIndex(d => new { d.ActorId, d.DecidedAt });
        decision.HasIndex(d => d.DecidedAt);
        decision.HasOne<GradeDecision>().WithMany().HasForeignKey(d => d.SupersedesId).OnDelete(DeleteBehavior.Restrict);
        decision.HasMany(d => d.Damage).WithOne(r => r.Decision).HasForeignKey(r => r.DecisionId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class DamageRegionConfiguration : IEntityTypeConfiguration<DamageRegion>
{
    public void Configure(EntityTypeBuilder<DamageRegion> region)
    {
        region.HasKey(r => r.Id);
        region.Property(r => r.Type).HasConversion<string>().HasMaxLength(16);
        region.Property(r => r.Source).HasConversion<string>().HasMaxLength(16);
        region.HasOne<Photo>().WithMany().HasForeignKey(r => r.PhotoId).OnDelete(DeleteBehavior.Restrict);
        region.HasIndex(r => r.PhotoId);
    }
}

internal sealed class AuditEventConfiguration : IEntityTypeConfiguration<AuditEvent>
{
    public void Configure(EntityTypeBuilder<AuditEvent> audit)
    {
        audit.HasKey(a => a.Id);
        audit.Property(a => a.ActorId).HasMaxLength(200);
        audit.Property(a => a.ActorName).HasMaxLength(200);
        audit.Property(a => a.Action).HasMaxLength(64);
        audit.Property(a => a.EntityType).HasMaxLength(64);
        audit.Property(a => a.EntityId).HasMaxLength(64);
        audit.HasIndex(a => new { a.EntityType, a.EntityId });
        audit.HasIndex(a => a.At);
    }
}
