using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Ferry.Engine.Control.Configurations;

internal sealed class ErrorGroupConfiguration : IEntityTypeConfiguration<ErrorGroup>
{
    public void Configure(EntityTypeBuilder<ErrorGroup> builder)
    {
        builder.Property(g => g.Status).HasConversion<string>().HasMaxLength(20);
        builder.Property(g => g.SqlState).HasMaxLength(5);
        builder.Property(g => g.SourceTable).HasMaxLength(300);
        builder.Property(g => g.Cause).HasMaxLength(1000);
        // The open group of a cause is found by these; the history lists a subscription's groups newest first.
        builder.HasIndex(g => new { g.SubscriptionId, g.LastSeen });
        builder.HasIndex(g => g.ClosedAt);
        builder.HasOne<Subscription>().WithMany().HasForeignKey(g => g.SubscriptionId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<TableRuleRecord>().WithMany().HasForeignKey(g => g.TableRuleId).OnDelete(DeleteBehavior.SetNull);
        builder.HasMany(g => g.Occurrences).WithOne().HasForeignKey(o => o.GroupId).OnDelete(DeleteBehavior.Cascade);
    }
}
