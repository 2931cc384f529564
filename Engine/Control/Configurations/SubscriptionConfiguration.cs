using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Ferry.Engine.Control.Configurations;

internal sealed class SubscriptionConfiguration : IEntityTypeConfiguration<Subscription>
{
    public void Configure(EntityTypeBuilder<Subscription> builder)
    {
        builder.HasIndex(s => new { s.SetId, s.ConsumerName }).IsUnique();
        builder.HasIndex(s => new { s.SetId, s.TargetNodeId }).IsUnique();
        builder.Property(s => s.ConsumerName).HasMaxLength(63);
        builder.Property(s => s.State).HasConversion<string>().HasMaxLength(20);
        builder.HasOne(s => s.Set).WithMany(s => s.Subscriptions).HasForeignKey(s => s.SetId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne(s => s.TargetNode).WithMany().HasForeignKey(s => s.TargetNodeId).OnDelete(DeleteBehavior.Restrict);
    }
}
