using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Returns.Grader.Web.Data.Configurations;

internal sealed class ReviewTaskConfiguration : IEntityTypeConfiguration<ReviewTask>
{
    public void Configure(EntityTypeBuilder<ReviewTask> task)
    {
        task.HasKey(t => t.Id);
        task.Property(t => t.Reasons).HasMaxLength(200);
        task.Property(t => t.Status).HasConversion<string>().HasMaxLength(16);
        task.Property(t => t.ClaimedById).HasMaxLength(200);
        task.Property(t => t.ClaimedByName).HasMaxLength(200);
        task.Property(t => t.Category).HasMaxLength(100);
        task.Property(t => t.GradedById).HasMaxLength(200);
        task.Property(t => t.Version).IsConcurrencyToken();
        task.Ignore(t => t.ReasonList);
        task.HasOne(t => t.ReturnItem).WithMany().HasForeignKey(t => t.ReturnItemId).OnDelete(DeleteBehavior.Restrict);
        // The queue: open tasks by priority; and "is there an open task for this item?".
        task.HasIndex(t => new { t.Status, t.Priority });
        task.HasIndex(t => new { t.ReturnItemId, t.Status });
        task.HasIndex(t => new { t.Status, t.CreatedAt });
    }
}
