using Bunit;
using Ferry.Engine.Nodes;
using Ferry.Portal.Components.Pages.Nodes.Components;
using Ferry.Portal.Tests.Support;

namespace Ferry.Portal.Tests.Nodes;

/// <summary>The node form's target schemas: a comma-separated list, reserved schemas refused as typed.</summary>
public sealed class NodeTargetSchemasFormTests : PortalBunitContext
{
    [Fact]
    public void TypingAReservedSchema_ShowsTheErrorAtOnce()
    {
        var form = Render<NodeForm>(p => p.Add(f => f.Model, new NodeFormModel()));

        form.Find("div[data-testid=node-target-schemas] input, input[data-testid=node-target-schemas]").Input("sales, ferry");

        form.WaitForAssertion(() =>
            Assert.Contains("belongs to Ferry or PostgreSQL", form.Markup, StringComparison.Ordinal));
    }

    [Fact]
    public void Model_SendsTheListItShows_AndEmptyAllowsAny()
    {
        var view = new NodeView(1, "t", "db1", 5432, "app", "ferry", true, Npgsql.SslMode.Prefer, null, null, null,
            DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, ["sales", "Reports"]);

        var model = NodeFormModel.From(view);

        Assert.Equal("sales, Reports", model.TargetSchemas);
        Assert.Equal(["sales", "Reports"], model.ToInput().TargetSchemas);
        Assert.Empty(new NodeFormModel { TargetSchemas = " , " }.ToInput().TargetSchemas!);
    }
}
