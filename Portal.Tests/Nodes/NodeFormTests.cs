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

    [Theory]
    [InlineData("n'; drop table x; --")]
    [InlineData("the \"old\" db")]
    [InlineData("Source")]
    [InlineData("reporting-replica")]
    public async Task NameOtherThanASetNameWouldBe_IsRefused_SayingWhatToUse(string name)
    {
        var model = new NodeFormModel { Name = name, Host = "db1", Database = "app", UserName = "ferry" };
        var form = Render<NodeForm>(p => p.Add(f => f.Model, model));

        Assert.False(await form.InvokeAsync(() => form.Instance.ValidateAsync()));
        form.WaitForAssertion(() => Assert.Contains(
            "is not a valid node name: use 1 to 50 lower-case letters, digits and underscores", form.Markup, StringComparison.Ordinal));
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
        var model = NodeFormModel.From(Stored);

        var form = Render<NodeForm>(p => p.Add(f => f.Model, model).Add(f => f.Stored, Stored));

        Assert.Contains("Leave empty to keep the stored password", form.Markup, StringComparison.Ordinal);
        Assert.Equal("", form.Find("input[type=password]").GetAttribute("value") ?? "");
    }

    [Theory]
    [InlineData("db2", 5432, "app", "ferry", "the host changed")]
    [InlineData("db1", 5433, "app", "ferry", "the port changed")]
    [InlineData("db1", 5432, "other", "ferry", "the database changed")]
    [InlineData("db1", 5432, "app", "postgres", "the user changed")]
    public async Task EditForm_AsksForThePasswordAgain_WhenTheConnectionChanges(string host, int port, string database, string user, string why)
    {
        var model = NodeFormModel.From(Stored);
        model.Host = host;
        model.Port = port;
        model.Database = database;
        model.UserName = user;
        var form = Render<NodeForm>(p => p.Add(f => f.Model, model).Add(f => f.Stored, Stored));

        Assert.False(await form.InvokeAsync(() => form.Instance.ValidateAsync()));
        form.WaitForAssertion(() => Assert.Contains($"Enter the password again: {why}", form.Markup, StringComparison.Ordinal));

        form.Find("input[type=password]").Change("the-new-one");
        Assert.True(await form.InvokeAsync(() => form.Instance.ValidateAsync()));
    }

    [Fact]
    public async Task EditForm_KeepsTheStoredPassword_WhenOnlyTheNameChanges()
    {
        var model = NodeFormModel.From(Stored);
        model.Name = "renamed";
        var form = Render<NodeForm>(p => p.Add(f => f.Model, model).Add(f => f.Stored, Stored));

        Assert.True(await form.InvokeAsync(() => form.Instance.ValidateAsync()));
    }

    private static readonly Ferry.Engine.Nodes.NodeView Stored = new(
        7, "source", "db1", 5432, "app", "ferry", HasPassword: true, Npgsql.SslMode.Prefer, null, null, null,
        DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);
}
