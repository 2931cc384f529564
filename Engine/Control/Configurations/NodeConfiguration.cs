using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Ferry.Engine.Control.Configurations;

internal sealed class NodeConfiguration : IEntityTypeConfiguration<Node>
{
    public void Configure(EntityTypeBuilder<Node> builder)
    {
        builder.HasIndex(n => n.Name).IsUnique();
        builder.Property(n => n.Name).HasMaxLength(63);
        builder.Property(n => n.Host).HasMaxLength(255);
        builder.Property(n => n.Database).HasMaxLength(63);
        builder.Property(n => n.UserName).HasMaxLength(63);
        builder.Property(n => n.SslMode).HasConversion<string>().HasMaxLength(20);
        builder.Property(n => n.ServerVersion).HasMaxLength(200);
    }
}
