using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Ferry.Engine.Control.Configurations;

internal sealed class TableRuleRecordConfiguration : IEntityTypeConfiguration<TableRuleRecord>
{
    public void Configure(EntityTypeBuilder<TableRuleRecord> builder)
    {
        builder.HasIndex(t => new { t.SubscriptionId, t.SourceSchema, t.SourceTable }).IsUnique();
        builder.Property(t => t.SourceSchema).HasMaxLength(63);
        builder.Property(t => t.SourceTable).HasMaxLength(63);
        builder.Property(t => t.TargetSchema).HasMaxLength(63);
        builder.Property(t => t.TargetTable).HasMaxLength(63);
        builder.Property(t => t.HandlerName).HasMaxLength(100);
        builder.Property(t => t.HandlerOptions).HasColumnType("jsonb");
        builder.Property(t => t.State).HasConversion<string>().HasMaxLength(20);
        builder.HasOne(t => t.Subscription).WithMany(s => s.Tables).HasForeignKey(t => t.SubscriptionId).OnDelete(DeleteBehavior.Cascade);
    }
}
