using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Ferry.Engine.Control.Configurations;

internal sealed class CompareReportConfiguration : IEntityTypeConfiguration<CompareReport>
{
    public void Configure(EntityTypeBuilder<CompareReport> builder)
    {
        builder.Property(r => r.State).HasConversion<string>().HasMaxLength(20);
        builder.Property(r => r.RequestedBy).HasMaxLength(256);
        builder.Ignore(r => r.Differs);
        // The history of a table, newest first; the latest report of each table for the dashboard.
        builder.HasIndex(r => new { r.TableRuleId, r.StartedAt });
        builder.HasIndex(r => r.SubscriptionId);
        builder.HasOne(r => r.TableRule).WithMany().HasForeignKey(r => r.TableRuleId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<CompareReport>().WithMany().HasForeignKey(r => r.RepairOfReportId).OnDelete(DeleteBehavior.SetNull);
        builder.HasOne<Subscription>().WithMany().HasForeignKey(r => r.SubscriptionId).OnDelete(DeleteBehavior.Cascade);
    }
}
