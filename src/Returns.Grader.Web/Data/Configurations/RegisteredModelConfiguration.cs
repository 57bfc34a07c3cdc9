using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Returns.Grader.Web.Data.Configurations;

internal sealed class RegisteredModelConfiguration : IEntityTypeConfiguration<RegisteredModel>
{
    public void Configure(EntityTypeBuilder<RegisteredModel> model)
    {
        model.HasKey(m => m.Id);
        model.Property(m => m.ModelVersion).HasMaxLength(100);
        model.HasIndex(m => m.ModelVersion).IsUnique();
        // A concurrency token: a state change made on another node since the row was read refuses this one (ModelRegistry
        // .ChangeStateAsync), so two promotions at the same moment cannot leave two active models.
        model.Property(m => m.State).HasConversion<string>().HasMaxLength(16).IsConcurrencyToken();
        model.HasIndex(m => m.State);
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
