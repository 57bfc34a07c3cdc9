using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Returns.Grader.Web.Data.Configurations;

internal sealed class SignedOutSessionConfiguration : IEntityTypeConfiguration<SignedOutSession>
{
    public void Configure(EntityTypeBuilder<SignedOutSession> session)
    {
        session.HasKey(s => s.SessionId);
        session.Property(s => s.SessionId).HasMaxLength(64);
        session.HasIndex(s => s.ForgetAfter);
    }
}
