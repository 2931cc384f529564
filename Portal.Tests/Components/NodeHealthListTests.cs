using Bunit;
using Ferry.Engine.Control;
using Ferry.Portal.Components.Pages.Dashboard;
using Ferry.Portal.Tests.Support;

namespace Ferry.Portal.Tests.Components;

public sealed class NodeHealthListTests : PortalBunitContext
{
    [Fact]
    public void List_ShowsVersions_AndMarksUnreachableNodes()
    {
        var at = new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
        NodeStatus[] nodes =
        [
            new(1, "source", "127.0.0.1:5432/digoal_01", "15.18 (15.18)", at, null),
            new(2, "target", "10.0.0.9:5432/digoal_02", null, at, "Connection refused"),
            new(3, "new", "10.0.0.10:5432/x", null, null, null),
        ];

        var list = Render<NodeHealthList>(p => p.Add(l => l.Nodes, nodes));

        var rows = list.FindAll("tbody tr");
        Assert.Equal(3, rows.Count);
        Assert.Contains("15.18 (15.18)", rows[0].TextContent, StringComparison.Ordinal);
        Assert.Contains("2026-11-25 12:00:00 UTC", rows[0].TextContent, StringComparison.Ordinal);
        Assert.Contains("unreachable", rows[1].TextContent, StringComparison.Ordinal);
        Assert.Contains("Connection refused", rows[1].TextContent, StringComparison.Ordinal);
        Assert.Contains("not probed yet", rows[2].TextContent, StringComparison.Ordinal);
        Assert.Contains("never", rows[2].TextContent, StringComparison.Ordinal);
    }
}
