using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Ferry.Engine.Control.Configurations;

internal sealed class ScheduleConfiguration : IEntityTypeConfiguration<Schedule>
{
    public void Configure(EntityTypeBuilder<Schedule> builder)
    {
        builder.HasIndex(s => s.Name).IsUnique();
        builder.Property(s => s.Name).HasMaxLength(100);
        builder.Property(s => s.Cron).HasMaxLength(100);
        builder.Property(s => s.TimeZone).HasMaxLength(64);
        builder.Property(s => s.Kind).HasConversion<string>().HasMaxLength(30);
        builder.HasOne(s => s.Subscription).WithMany().HasForeignKey(s => s.SubscriptionId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne(s => s.TableRule).WithMany().HasForeignKey(s => s.TableRuleId).OnDelete(DeleteBehavior.Cascade);
    }
}
