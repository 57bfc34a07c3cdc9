using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Returns.Grader.Web.Data.Configurations;

internal sealed class ExportJobConfiguration : IEntityTypeConfiguration<ExportJob>
{
    public void Configure(EntityTypeBuilder<ExportJob> job)
    {
        job.HasKey(j => j.Id);
        job.HasIndex(j => j.Number).IsUnique();
        job.HasIndex(j => new { j.Status, j.CreatedAt });
        job.Property(j => j.Status).HasConversion<string>().HasMaxLength(16);
        job.Property(j => j.FilterJson).HasMaxLength(4000);
        job.Property(j => j.RequestedById).HasMaxLength(200);
        job.Property(j => j.RequestedByName).HasMaxLength(200);
        job.Property(j => j.FileName).HasMaxLength(200);
        job.Property(j => j.Sha256).HasMaxLength(64);
        job.Property(j => j.Error).HasMaxLength(2000);
        // A node saves a job (progress aside) only while it still holds it: a save after another node took over fails.
        job.Property(j => j.LeaseOwner).HasMaxLength(200).IsConcurrencyToken();
    }
}
