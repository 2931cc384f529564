using Bunit;
using Ferry.Engine.Replication.Status;
using Ferry.Portal.Components.Pages.Sets.Components;
using Ferry.Portal.Tests.Support;

namespace Ferry.Portal.Tests.Tables;

/// <summary>The Sets page's merged tables: each target table once, with every source and the rows it owns.</summary>
public sealed class MergedTablesTests : PortalBunitContext
{
    [Fact]
    public void MergedTable_ShowsOnce_WithEachSourceAndTheRowsItOwns()
    {
        MergedTable[] merges =
        [
            new(3, "target", "\"digoal_01\".\"user_info\"",
            [
                new("part0", 1, 10, "\"digoal_01\".\"user_info\"", "hashtext(userid::text) & 3 = 0", "Ok", null),
                new("part1", 2, 11, "\"digoal_01\".\"user_info\"", "hashtext(userid::text) & 3 = 1", "Copying", null),
            ]),
        ];

        var cut = Render<MergedTables>(p => p.Add(c => c.Merges, merges));

        var table = Assert.Single(cut.FindAll("[data-testid=merged-table]"));
        Assert.Contains("\"digoal_01\".\"user_info\" on target, from 2 source(s)", table.TextContent, StringComparison.Ordinal);
        var sources = cut.FindAll("[data-testid=merge-source]");
        Assert.Equal(["part0", "part1"], sources.Select(s => s.Children[0].TextContent));
        Assert.Equal("hashtext(userid::text) & 3 = 1", sources[1].Children[2].TextContent.Trim());
        Assert.Equal("Copying", sources[1].Children[3].TextContent);
    }
}
