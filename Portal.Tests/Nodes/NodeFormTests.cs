using Bunit;
using Ferry.Portal.Components.Pages.Nodes.Components;
using Ferry.Portal.Tests.Support;

namespace Ferry.Portal.Tests.Nodes;

public sealed class NodeFormTests : PortalBunitContext
{
    [Fact]
    public async Task EmptyForm_IsInvalid_AndSaysWhatToEnter()
    {
        var form = Render<NodeForm>(p => p.Add(f => f.Model, new NodeFormModel()));

        var valid = await form.InvokeAsync(() => form.Instance.ValidateAsync());

        Assert.False(valid);
        form.WaitForAssertion(() =>
        {
            Assert.Contains("Enter a name for the node.", form.Markup, StringComparison.Ordinal);
            Assert.Contains("Enter the host name or IP address", form.Markup, StringComparison.Ordinal);
            Assert.Contains("Enter the database name.", form.Markup, StringComparison.Ordinal);
            Assert.Contains("Enter the PostgreSQL user", form.Markup, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task BadPort_IsRefused_WithTheValidRange()
    {
        var model = new NodeFormModel { Name = "source", Host = "db1", Port = 70000, Database = "app", UserName = "ferry" };
        var form = Render<NodeForm>(p => p.Add(f => f.Model, model));

        var valid = await form.InvokeAsync(() => form.Instance.ValidateAsync());

        Assert.False(valid);
        form.WaitForAssertion(() => Assert.Contains("Port 70000 is not a TCP port: use 1 to 65535", form.Markup, StringComparison.Ordinal));
    }

    [Fact]
    public async Task NameWithQuotes_IsValid()
    {
        var model = new NodeFormModel { Name = "the \"old\" db's copy", Host = "db1", Database = "app", UserName = "ferry" };
        var form = Render<NodeForm>(p => p.Add(f => f.Model, model));

        Assert.True(await form.InvokeAsync(() => form.Instance.ValidateAsync()));
    }

    [Fact]
    public void TypingAHostWithASpace_ShowsTheErrorAtOnce()
    {
        var form = Render<NodeForm>(p => p.Add(f => f.Model, new NodeFormModel()));

        form.Find("div[data-testid=node-host] input, input[data-testid=node-host]").Input("db 1");

        form.WaitForAssertion(() => Assert.Contains("The host cannot contain spaces.", form.Markup, StringComparison.Ordinal));
    }

    [Fact]
    public void EditForm_LeavesThePasswordEmpty_AndSaysEmptyKeepsIt()
    {
        var model = new NodeFormModel { Name = "source", Host = "db1", Database = "app", UserName = "ferry" };

        var form = Render<NodeForm>(p => p.Add(f => f.Model, model).Add(f => f.IsEdit, true));

        Assert.Contains("Leave empty to keep the stored password", form.Markup, StringComparison.Ordinal);
        Assert.Equal("", form.Find("input[type=password]").GetAttribute("value") ?? "");
    }
}
