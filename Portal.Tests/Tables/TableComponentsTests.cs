using Bunit;
using Ferry.Engine.Replication;
using Ferry.Engine.Replication.Status;
using Ferry.Engine.Replication.Tables;
using Ferry.Portal.Components.Pages.Tables.Components;
using Ferry.Portal.Components.Shared;
using Ferry.Portal.Tests.Support;

namespace Ferry.Portal.Tests.Tables;

public sealed class TableComponentsTests : PortalBunitContext
{
    [Theory]
    [InlineData("Ok", "ok", "mud-chip-color-success")]
    [InlineData("Copying", "copying", "mud-chip-color-info")]
    [InlineData("CatchingUp", "catching up", "mud-chip-color-info")]
    [InlineData("Paused", "paused", "mud-chip-color-warning")]
    [InlineData("Error", "error", "mud-chip-color-error")]
    [InlineData("New", "new", "mud-chip-color-default")]
    public void StateBadge_ShowsTheState_InItsColour(string state, string label, string colourClass)
    {
        var badge = Render<TableStateBadge>(p => p.Add(b => b.State, state));

        var chip = badge.Find(".mud-chip");
        Assert.Equal(label, chip.TextContent.Trim());
        Assert.Contains(colourClass, chip.ClassName, StringComparison.Ordinal);
        Assert.Equal(state, chip.GetAttribute("data-state"));
    }

    [Theory]
    [InlineData("Copying", 250L, 1000L, "25", "250 of ~1,000 rows")]
    [InlineData("Copying", 5000L, 1000L, "100", "5,000 of ~1,000 rows")]
    [InlineData("Ok", 1000L, 900L, "100", "1,000 rows copied")]
    [InlineData("New", 0L, 1000L, "0", "waiting to copy")]
    public void CopyProgress_ShowsRowsCopiedAgainstTheEstimate(string state, long copied, long estimated, string percent, string caption)
    {
        var progress = Render<CopyProgress>(p => p.Add(c => c.State, state).Add(c => c.RowsCopied, copied).Add(c => c.RowsEstimated, estimated));

        Assert.Equal(percent, progress.Find("[data-testid=copy-progress]").GetAttribute("data-percent"));
        Assert.Contains(caption, progress.Markup, StringComparison.Ordinal);
        Assert.Empty(progress.FindAll(".mud-progress-indeterminate"));
    }

    [Fact]
    public void CopyProgress_IsIndeterminate_WhileCopyingWithoutAnEstimate()
    {
        var progress = Render<CopyProgress>(p => p.Add(c => c.State, "Copying").Add(c => c.RowsCopied, 42L).Add(c => c.RowsEstimated, null));

        Assert.NotEmpty(progress.FindAll(".mud-progress-indeterminate"));
        Assert.Contains("42 rows", progress.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void AddTableForm_ShowsTheEnginesRefusalInline_AndKeepsOnlyTheRefusedTable()
    {
        var asked = new List<AddTableRequest>();
        IReadOnlyList<TableInfo>? added = null;
        const string refusal = "The source table digoal_01.user_login_rec has no primary key and no unique index over NOT NULL columns.";
        var form = Render<AddTableForm>(p => p
            .Add(f => f.Add, request =>
            {
                asked.Add(request);
                return request.Source.EndsWith("user_login_rec", StringComparison.Ordinal)
                    ? throw new ReplicationRefusedException(refusal)
                    : Task.FromResult(new TableInfo(1, request.Source, request.Target ?? request.Source, request.Filter, ["userid"], "New", 0, 1000, null));
            })
            .Add(f => f.Added, tables => added = tables));

        form.Find("textarea").Input("digoal_01.user_info\ndigoal_01.user_login_rec");
        form.FindAll("input")[0].Change("digoal_02");
        form.FindAll("input")[1].Change("userid <= 1500");
        form.Find("button").Click();

        Assert.Equal(["digoal_02.user_info", "digoal_02.user_login_rec"], asked.Select(r => r.Target));
        Assert.All(asked, r => Assert.Equal("userid <= 1500", r.Filter));
        var alert = form.Find("[data-testid=refusal]");
        Assert.Contains("digoal_01.user_login_rec", alert.TextContent, StringComparison.Ordinal);
        Assert.Contains("has no primary key", alert.TextContent, StringComparison.Ordinal);
        Assert.Equal("digoal_01.user_info", Assert.Single(added!).Source);
        Assert.Equal("digoal_01.user_login_rec", form.Find("textarea").GetAttribute("value") ?? form.Find("textarea").TextContent);
    }

    [Fact]
    public void AddTableForm_AsksToAddMissingColumns_OnlyWhenTicked()
    {
        var asked = new List<AddTableRequest>();
        var form = Render<AddTableForm>(p => p.Add(f => f.Add, request =>
        {
            asked.Add(request);
            return Task.FromResult(new TableInfo(asked.Count, request.Source, request.Source, null, ["id"], "New", 0, null, null,
                request.AddMissingColumns));
        }));

        form.Find("textarea").Input("app.orders");
        form.Find("button").Click();
        form.Find("textarea").Input("app.other");
        form.Find("[data-testid=add-missing-columns] input, input[data-testid=add-missing-columns]").Change(true);
        form.Find("button").Click();

        Assert.Equal([("app.orders", false), ("app.other", true)], asked.Select(r => (r.Source, r.AddMissingColumns)));
    }

    [Fact]
    public void TablesGrid_OffersRetry_ForTablesInErrorOnly()
    {
        TableInfo? retried = null;
        var tables = new[]
        {
            new TableInfo(1, "app.orders", "app.orders", null, ["id"], "Error", 20, 20,
                "Ferry stopped applying app.orders to app.orders: column \"discount\" was added to the source table ..."),
            new TableInfo(2, "app.other", "app.other", null, ["id"], "Ok", 20, 20, null),
        };
        var grid = Render<TablesGrid>(p => p
            .Add(g => g.Load, (_, _) => Task.FromResult(new TablePage(tables, tables.Length)))
            .Add(g => g.CanChange, true)
            .Add(g => g.Retry, table => retried = table));

        grid.WaitForAssertion(() => Assert.Single(grid.FindAll("[data-testid=retry]")), TimeSpan.FromSeconds(10));
        grid.Find("[data-testid=retry]").Click();

        Assert.Equal(1, retried?.Id);
        Assert.Equal(2, grid.FindAll("[data-testid=resync]").Count);
    }

    [Fact]
    public void HandlerPicker_DescribesTheChosenHandler_AndTheFormSendsIt()
    {
        var picker = Render<HandlerPicker>(p => p.Add(h => h.Handler, "append"));
        Assert.Contains("inserts only", picker.Markup, StringComparison.Ordinal);

        var asked = new List<AddTableRequest>();
        var form = Render<AddTableForm>(p => p.Add(f => f.Add, request =>
        {
            asked.Add(request);
            return Task.FromResult(new TableInfo(1, request.Source, request.Source, null, ["id"], "New", 0, null, null));
        }));
        Assert.Contains("folds each batch per key", form.Find("[data-testid=add-table-form]").TextContent, StringComparison.Ordinal);
        form.Find("textarea").Input("app.orders");
        form.Find("button").Click();
        Assert.Equal("bulk", Assert.Single(asked).Handler);
    }

    [Fact]
    public void TablesGrid_ShowsEachTablesHandler_AndOffersToChangeIt()
    {
        TableInfo? changing = null;
        var tables = new[]
        {
            new TableInfo(1, "app.log", "app.log", null, [], "Ok", 20, 20, null, Handler: "append"),
            new TableInfo(2, "app.other", "app.other", null, ["id"], "Ok", 20, 20, null),
        };
        var grid = Render<TablesGrid>(p => p
            .Add(g => g.Load, (_, _) => Task.FromResult(new TablePage(tables, tables.Length)))
            .Add(g => g.CanChange, true)
            .Add(g => g.ChangeHandler, table => changing = table));

        grid.WaitForAssertion(() => Assert.Equal(2, grid.FindAll("[data-testid=table-handler]").Count), TimeSpan.FromSeconds(10));
        Assert.Equal(["append", "bulk"], grid.FindAll("[data-testid=table-handler]").Select(c => c.TextContent.Trim()));
        // The grid may render again while its page loads (a loaded machine): the click is on the row as rendered last.
        grid.WaitForAssertion(() =>
        {
            grid.FindAll("[data-testid=change-handler]")[0].Click();
            Assert.Equal(1, changing?.Id);
        }, TimeSpan.FromSeconds(10));
    }

    [Theory]
    [InlineData("digoal_01.a", null, null)]
    [InlineData("digoal_01.a", "digoal_02", "digoal_02.a")]
    [InlineData("digoal_01.a", "digoal_02.b", "digoal_02.b")]
    public void AddTableForm_MakesTheTargetFromASchemaOrAFullName(string source, string? target, string? expected) =>
        Assert.Equal(expected, Assert.Single(AddTableForm.Requests(source, target, null, null, false)).Target);
}
