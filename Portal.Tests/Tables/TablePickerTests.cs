using System.Security.Claims;
using AngleSharp.Dom;
using Bunit;
using Ferry.Engine.Control;
using Ferry.Engine.Nodes;
using Ferry.Engine.Replication.Catalog;
using Ferry.Engine.Replication.Sets;
using Ferry.Engine.Replication.Status;
using Ferry.Engine.Replication.Subscriptions;
using Ferry.Engine.Replication.Tables;
using Ferry.Portal.Components.Pages.Tables.Components;
using Ferry.Portal.Tests.ApiReplication;
using Ferry.Portal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Npgsql;

namespace Ferry.Portal.Tests.Tables;

/// <summary>
/// The table picker with a keyless table, on the real engine: the seed source (with its two keyless log tables) read by
/// <see cref="SourceCatalogQuery"/> and tables added by <see cref="TableRuleService"/>, both from the portal fixture.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class TablePickerTests : PortalBunitContext, IClassFixture<SeedNodes>, IAsyncLifetime
{
    private static readonly ClaimsPrincipal Operator = new(new ClaimsIdentity(
        [new Claim(ClaimTypes.Name, "operator"), new Claim(ClaimTypes.Role, FerryRoles.Operator)], "test"));

    private readonly PortalFixture _fixture;
    private readonly SeedNodes _seed;

    public TablePickerTests(PortalFixture fixture, SeedNodes seed)
    {
        _fixture = fixture;
        _seed = seed;
        // The base class has resolved services already; what bUnit lacks (the engine's query) comes from the running portal.
        Services.AddFallbackServiceProvider(fixture.Portal.Services);
        Authorization.SetAuthorized("operator");
        Authorization.SetRoles(FerryRoles.Operator);
    }

    private static CancellationToken Token => Xunit.TestContext.Current.CancellationToken;

    private SetService Sets => _fixture.Portal.Services.GetRequiredService<SetService>();

    private SubscriptionService Subscriptions => _fixture.Portal.Services.GetRequiredService<SubscriptionService>();

    private TableRuleService TableRules => _fixture.Portal.Services.GetRequiredService<TableRuleService>();

    public ValueTask InitializeAsync() => new(_seed.ForgetReplicationAsync());

    [Fact]
    public async Task Picker_WarnsOfAKeylessTable_AddingItShowsTheRefusal_AndAddedTablesCannotBePicked()
    {
        var set = await Sets.CreateSetAsync(Operator, "picker", _seed.SourceId, Token);
        var subscription = await Subscriptions.SubscribeAsync(Operator, set.Id, _seed.TargetId, Token);
        await TableRules.AddTableAsync(Operator, subscription.Id, new AddTableRequest("digoal_01.user_info", "digoal_02.user_info"), Token);
        IReadOnlyList<TableInfo>? added = null;
        Render<MudPopoverProvider>();
        var form = Render<AddTableForm>(p => p
            .Add(f => f.SubscriptionId, subscription.Id)
            .Add(f => f.Add, request => TableRules.AddTableAsync(Operator, subscription.Id, request, Token))
            .Add(f => f.Added, tables => added = tables));

        form.WaitForAssertion(() => Assert.Equal(4, form.FindAll("[data-testid=table-picker] tbody tr").Count), TimeSpan.FromSeconds(10));
        var keylessChip = Row(form, "user_login_rec").QuerySelector("[data-testid=key-chip]")!;
        Assert.Equal("none", keylessChip.GetAttribute("data-key"));
        Assert.Equal("no key", keylessChip.TextContent.Trim());
        Assert.Contains("mud-chip-color-warning", keylessChip.ClassName, StringComparison.Ordinal);
        Assert.Contains("primary key (userid)", Row(form, "user_session").TextContent, StringComparison.Ordinal);
        var addedRow = Row(form, "user_info");
        Assert.Contains("already added → \"digoal_02\".\"user_info\"", addedRow.TextContent, StringComparison.Ordinal);
        Assert.True(Checkbox(addedRow).HasAttribute("disabled"));

        // The grid hands a selection on asynchronously: wait for each before the next.
        Checkbox(Row(form, "user_login_rec")).Change(true);
        form.WaitForAssertion(() => Assert.Equal("1 picked", form.Find("[data-testid=picked-count]").TextContent.Trim()));
        Checkbox(Row(form, "user_session")).Change(true);
        form.WaitForAssertion(() => Assert.Equal("2 picked", form.Find("[data-testid=picked-count]").TextContent.Trim()));
        Assert.Contains("no primary key and no unique index", form.Find("[data-testid=picked-note]").TextContent, StringComparison.Ordinal);
        form.Find("input[data-testid=add-target]").Change("digoal_02");
        form.Find("[data-testid=add-submit]").Click();

        form.WaitForAssertion(() =>
        {
            var refusal = form.Find("[data-testid=refusal]");
            Assert.Contains("digoal_01.user_login_rec", refusal.TextContent, StringComparison.Ordinal);
            Assert.Contains("\"digoal_01\".\"user_login_rec\" has no primary key", refusal.TextContent, StringComparison.Ordinal);
            Assert.Equal("\"digoal_01\".\"user_session\"", Assert.Single(added ?? []).Source);
            Assert.Contains("already added", Row(form, "user_session").TextContent, StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(10));
        Assert.Single(form.FindAll("[data-testid=refusal]"));
        // The refused table stays picked to fix and retry; the added one can no longer be picked.
        Assert.True(Checkbox(Row(form, "user_session")).HasAttribute("disabled"));
        Assert.Contains("1 picked", form.Find("[data-testid=picked-count]").TextContent, StringComparison.Ordinal);
        Assert.True(Checkbox(Row(form, "user_login_rec")).HasAttribute("checked"));
    }

    [Fact]
    public async Task Picker_SearchesTheCatalog_AndTellsWhenNothingMatches()
    {
        var set = await Sets.CreateSetAsync(Operator, "picker_search", _seed.SourceId, Token);
        var subscription = await Subscriptions.SubscribeAsync(Operator, set.Id, _seed.TargetId, Token);
        var form = Render<AddTableForm>(p => p
            .Add(f => f.SubscriptionId, subscription.Id)
            .Add(f => f.Add, request => TableRules.AddTableAsync(Operator, subscription.Id, request, Token)));
        form.WaitForAssertion(() => Assert.Equal(4, form.FindAll("[data-testid=table-picker] tbody tr").Count), TimeSpan.FromSeconds(10));

        form.Find("input[data-testid=catalog-search]").Input("_rec");
        form.WaitForAssertion(() => Assert.Equal(["user_login_rec", "user_logout_rec"],
            form.FindAll("[data-testid=catalog-table]").Select(c => c.TextContent.Trim())));
        form.Find("input[data-testid=catalog-search]").Input("no_such_table");
        form.WaitForAssertion(() => Assert.Contains(
            "No table matches \"no_such_table\"", form.Find("[data-testid=table-picker]").TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Picker_AddsATableWithOnlyAUniqueIndex_WithThatIndexAsTheKey()
    {
        await using var source = NpgsqlDataSource.Create(_seed.SourceConnectionString);
        await using (var create = source.CreateCommand(
            "CREATE TABLE digoal_01.by_email (email text NOT NULL, name text, CONSTRAINT by_email_email UNIQUE (email))"))
        {
            await create.ExecuteNonQueryAsync(Token);
        }
        try
        {
            var set = await Sets.CreateSetAsync(Operator, "picker_index", _seed.SourceId, Token);
            var subscription = await Subscriptions.SubscribeAsync(Operator, set.Id, _seed.TargetId, Token);
            var asked = new List<AddTableRequest>();
            var form = Render<AddTableForm>(p => p
                .Add(f => f.SubscriptionId, subscription.Id)
                .Add(f => f.Add, request =>
                {
                    asked.Add(request);
                    return TableRules.AddTableAsync(Operator, subscription.Id, request, Token);
                }));
            form.WaitForAssertion(() => Assert.Equal(5, form.FindAll("[data-testid=table-picker] tbody tr").Count), TimeSpan.FromSeconds(10));
            var chip = Row(form, "by_email").QuerySelector("[data-testid=key-chip]")!;
            Assert.Equal("index", chip.GetAttribute("data-key"));
            Assert.Equal("unique index by_email_email", chip.TextContent.Trim());

            Checkbox(Row(form, "by_email")).Change(true);
            form.WaitForAssertion(() => Assert.Contains("\"by_email_email\" (email) will be the key",
                form.Find("[data-testid=picked-note]").TextContent, StringComparison.Ordinal));
            form.Find("input[data-testid=add-target]").Change("digoal_02");
            var createTarget = form.Find("[data-testid=add-create-target]");
            (createTarget.TagName == "INPUT" ? createTarget : createTarget.QuerySelector("input")!).Change(true);
            form.Find("[data-testid=add-submit]").Click();

            form.WaitForAssertion(() => Assert.Contains("already added", Row(form, "by_email").TextContent, StringComparison.Ordinal),
                TimeSpan.FromSeconds(10));
            Assert.Empty(form.FindAll("[data-testid=refusal]"));
            var request = Assert.Single(asked);
            Assert.Equal(("digoal_01.by_email", "digoal_02.by_email", "by_email_email", true),
                (request.Source, request.Target, request.Key, request.CreateTarget));
            var status = await _fixture.Portal.Services.GetRequiredService<ReplicationStatusQuery>().GetSubscriptionAsync(
                Operator, subscription.Id, Token);
            Assert.Equal(["email"], Assert.Single(status.Tables).Key);
        }
        finally
        {
            await _seed.ForgetReplicationAsync();
            await using var drop = source.CreateCommand("DROP TABLE IF EXISTS digoal_01.by_email");
            await drop.ExecuteNonQueryAsync(Token);
        }
    }

    [Fact]
    public async Task Picker_ShowsAnEmptyState_WhenTheSourceHasNoTables()
    {
        // A source with nothing but Ferry's own queue schema, which the Admin's set installs there (and the catalog hides).
        var empty = new NpgsqlConnectionStringBuilder(await _fixture.Postgres.CreateDatabaseAsync("picker_empty_source"));
        var admin = new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, "admin"), new Claim(ClaimTypes.Role, FerryRoles.Admin)], "test"));
        await using var scope = _fixture.Portal.Services.CreateAsyncScope();
        var node = await scope.ServiceProvider.GetRequiredService<NodeAdministration>().CreateAsync(admin,
            new NodeInput("picker_empty", empty.Host!, empty.Port, empty.Database!, empty.Username!, empty.Password, SslMode.Disable), Token);
        var contexts = _fixture.Portal.Services.GetRequiredService<IDbContextFactory<ControlDbContext>>();
        try
        {
            // Installing Ferry there is the Admin's part (an Operator's set would be refused).
            var set = await Sets.CreateSetAsync(admin, "picker_empty", node.Id, Token);
            var subscription = await Subscriptions.SubscribeAsync(Operator, set.Id, _seed.TargetId, Token);
            var form = Render<AddTableForm>(p => p
                .Add(f => f.SubscriptionId, subscription.Id)
                .Add(f => f.Add, request => TableRules.AddTableAsync(Operator, subscription.Id, request, Token)));

            form.WaitForAssertion(() => Assert.Contains("The source has no tables", form.Find("[data-testid=empty-state]").TextContent,
                StringComparison.Ordinal), TimeSpan.FromSeconds(10));
            Assert.Contains("Node 'picker_empty' has no table", form.Find("[data-testid=empty-state]").TextContent, StringComparison.Ordinal);
            Assert.Empty(form.FindAll("[data-testid=table-picker]"));
            Assert.NotEmpty(form.FindAll("textarea")); // typing names is still there
        }
        finally
        {
            await using var context = await contexts.CreateDbContextAsync(Token);
            await context.Subscriptions.Where(s => s.Set!.RootNodeId == node.Id).ExecuteDeleteAsync(Token);
            await context.Sets.Where(s => s.RootNodeId == node.Id).ExecuteDeleteAsync(Token);
            await context.Nodes.Where(n => n.Id == node.Id).ExecuteDeleteAsync(Token);
        }
    }

    private static IElement Row(IRenderedComponent<AddTableForm> form, string table) =>
        form.FindAll("[data-testid=table-picker] tbody tr")
            .Single(r => r.QuerySelector("[data-testid=catalog-table]")?.TextContent.Trim() == table);

    private static IElement Checkbox(IElement row) => row.QuerySelector("input[type=checkbox]")!;
}
