using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Ferry.Engine.Control.Configurations;

internal sealed class ErrorOccurrenceConfiguration : IEntityTypeConfiguration<ErrorOccurrence>
{
    public void Configure(EntityTypeBuilder<ErrorOccurrence> builder)
    {
        builder.Property(o => o.Ending).HasMaxLength(30);
        builder.Property(o => o.Operation).HasMaxLength(1);
        builder.HasIndex(o => new { o.GroupId, o.At });
    }
}
