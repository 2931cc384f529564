using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Ferry.Engine.Control.Configurations;

internal sealed class TableCompareResultConfiguration : IEntityTypeConfiguration<TableCompareResult>
{
    public void Configure(EntityTypeBuilder<TableCompareResult> builder)
    {
        builder.HasKey(r => r.TableRuleId);
        builder.HasOne<TableRuleRecord>().WithOne().HasForeignKey<TableCompareResult>(r => r.TableRuleId).OnDelete(DeleteBehavior.Cascade);
    }
}
