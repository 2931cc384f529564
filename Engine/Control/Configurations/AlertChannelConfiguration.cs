using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Ferry.Engine.Control.Configurations;

internal sealed class AlertChannelConfiguration : IEntityTypeConfiguration<AlertChannel>
{
    public void Configure(EntityTypeBuilder<AlertChannel> builder)
    {
        builder.HasIndex(c => c.Name).IsUnique();
        builder.Property(c => c.Name).HasMaxLength(100);
        builder.Property(c => c.Kind).HasConversion<string>().HasMaxLength(20);
        builder.Property(c => c.WebhookFormat).HasConversion<string>().HasMaxLength(20);
        builder.Property(c => c.SmtpSecurity).HasConversion<string>().HasMaxLength(20);
        builder.Property(c => c.SmtpHost).HasMaxLength(255);
        builder.Property(c => c.SmtpUserName).HasMaxLength(255);
        builder.Property(c => c.MailFrom).HasMaxLength(320);
    }
}
