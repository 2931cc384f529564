using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Ferry.Engine.Control.Configurations;

internal sealed class AlertConfiguration : IEntityTypeConfiguration<Alert>
{
    public void Configure(EntityTypeBuilder<Alert> builder)
    {
        builder.Property(a => a.Kind).HasConversion<string>().HasMaxLength(30);
        builder.Property(a => a.Status).HasConversion<string>().HasMaxLength(20);
        builder.Property(a => a.RuleName).HasMaxLength(100);
        builder.Property(a => a.Subject).HasMaxLength(100);
        builder.Property(a => a.SubjectName).HasMaxLength(300);
        builder.HasOne(a => a.Rule).WithMany().HasForeignKey(a => a.RuleId).OnDelete(DeleteBehavior.SetNull);
        // At most one open (pending or firing) alert per rule and subject; resolved ones are history.
        builder.HasIndex(a => new { a.RuleId, a.Subject }).IsUnique().HasFilter("status <> 'Resolved'");
        builder.HasIndex(a => a.ResolvedAt);
    }
}
