using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Ferry.Engine.Control.Configurations;

internal sealed class SequenceRuleConfiguration : IEntityTypeConfiguration<SequenceRule>
{
    public void Configure(EntityTypeBuilder<SequenceRule> builder)
    {
        builder.HasIndex(s => new { s.SubscriptionId, s.SourceSchema, s.SourceSequence }).IsUnique();
        builder.Property(s => s.SourceSchema).HasMaxLength(63);
        builder.Property(s => s.SourceSequence).HasMaxLength(63);
        builder.Property(s => s.TargetSchema).HasMaxLength(63);
        builder.Property(s => s.TargetSequence).HasMaxLength(63);
        builder.HasOne(s => s.Subscription).WithMany(s => s.Sequences).HasForeignKey(s => s.SubscriptionId)
            .OnDelete(DeleteBehavior.Cascade);
    }
}
