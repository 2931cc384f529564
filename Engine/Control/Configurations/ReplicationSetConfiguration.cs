using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Ferry.Engine.Control.Configurations;

internal sealed class ReplicationSetConfiguration : IEntityTypeConfiguration<ReplicationSet>
{
    public void Configure(EntityTypeBuilder<ReplicationSet> builder)
    {
        builder.ToTable("replication_sets");
        builder.HasIndex(s => s.Name).IsUnique();
        builder.Property(s => s.Name).HasMaxLength(63);
        builder.Property(s => s.QueueName).HasMaxLength(63);
        // A node that roots a set cannot be removed before the set.
        builder.HasOne(s => s.RootNode).WithMany().HasForeignKey(s => s.RootNodeId).OnDelete(DeleteBehavior.Restrict);
    }
}
