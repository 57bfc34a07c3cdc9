using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Returns.Grader.Web.Data.Configurations;

internal sealed class RegisteredModelConfiguration : IEntityTypeConfiguration<RegisteredModel>
{
    /// <summary>The unique index on the state of the models that hold a slot (active, shadow).</summary>
    public const string OneModelPerSlotIndex = "IX_RegisteredModels_OneModelPerSlot";

    public void Configure(EntityTypeBuilder<RegisteredModel> model)
    {
        model.HasKey(m => m.Id);
        model.Property(m => m.ModelVersion).HasMaxLength(100);
        model.HasIndex(m => m.ModelVersion).IsUnique();
        // A concurrency token: a state change made on another node since the row was read refuses this one (ModelRegistry
        // .ChangeStateAsync), so two promotions at the same moment cannot leave two active models.
        model.Property(m => m.State).HasConversion<string>().HasMaxLength(16).IsConcurrencyToken();
        // At most one active and one shadow model, held by the database itself: the token above guards a change against
        // the rows it read, but two promotions when no model is active (manual mode) read no holder to meet on, and both
        // landed (ADR 0043's open end; closed by ADR 0045). SQL Server's filter is set by SqlServerGraderDb.
        model.HasIndex(m => m.State, OneModelPerSlotIndex).IsUnique().HasFilter("\"State\" <> 'Retired'");
        model.Property(m => m.Folder).HasMaxLength(200);
        model.Property(m => m.Sha256).HasMaxLength(64);
        model.Property(m => m.RegisteredBy).HasMaxLength(200);
    }
}

internal sealed class RegisteredModelFileConfiguration : IEntityTypeConfiguration<RegisteredModelFile>
{
    public void Configure(EntityTypeBuilder<RegisteredModelFile> file)
    {
        file.HasKey(f => f.Id);
        file.Property(f => f.FileName).HasMaxLength(200);
        file.HasIndex(f => new { f.RegisteredModelId, f.FileName }).IsUnique();
        file.HasOne<RegisteredModel>().WithMany().HasForeignKey(f => f.RegisteredModelId).OnDelete(DeleteBehavior.Cascade);
    }
}
