using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Ferry.Engine.Control.Configurations;

internal sealed class CompareDifferenceConfiguration : IEntityTypeConfiguration<CompareDifference>
{
    public void Configure(EntityTypeBuilder<CompareDifference> builder)
    {
        builder.Property(d => d.Kind).HasMaxLength(20);
        builder.HasIndex(d => new { d.ReportId, d.Id });
        builder.HasOne<CompareReport>().WithMany().HasForeignKey(d => d.ReportId).OnDelete(DeleteBehavior.Cascade);
    }
}
