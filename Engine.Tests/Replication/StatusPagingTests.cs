using Ferry.Engine.Consumers;
using Ferry.Engine.Control;
using Ferry.Engine.Queue;
using Ferry.Engine.Replication;
using Ferry.Engine.Replication.Status;
using Ferry.Engine.Replication.Tables;
using Ferry.Engine.Target;
using Ferry.Engine.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Ferry.Engine.Tests.Replication;

/// <summary>
/// The status reads that do not grow with a subscription's tables, against a real control database holding a subscription
/// with 1,003 table rules (states, errors, filters, quoted names with spaces, quotes, <c>%</c> and <c>_</c>) and a small one
/// beside it: the summary's counts per state and failing tables (one GROUP BY, failing tables capped), and pages sorted,
/// filtered, searched and cut in SQL. The root is a real queue, so lags are real too (read on a pooled connection that
/// survives the root's session ending). No loop runs: the rules are rows.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class StatusPagingTests(ClusterFixture clusters)
{
    private static readonly System.Security.Claims.ClaimsPrincipal Viewer = ReplicationTestEnvironment.User("victor", FerryRoles.Viewer);
    private static readonly TableState[] Cycle = [TableState.Ok, TableState.Ok, TableState.Ok, TableState.New, TableState.Copying, TableState.CatchingUp, TableState.Paused];

    [Fact]
    public async Task SummariesAndPages_ComeFromSql_ForAThousandTables()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var engine = await ReplicationTestEnvironment.StartAsync(await clusters.CreateDatabaseAsync(15, "status_paging_control"), ct);
        var root = await clusters.CreateDatabaseAsync(15, "status_paging_root");
        await using (var source = NpgsqlDataSource.Create(root))
        {
            await QueueSchema.InstallAsync(source, ct);
            await new QueueAdmin(source).CreateQueueAsync("paging", ct);
            await new QueueConsumer(source, "paging", "paging_big").RegisterAsync(ct);
            await new QueueConsumer(source, "paging", "paging_small").RegisterAsync(ct);
            await new QueueAdmin(source).TickAsync("paging", ct);
        }
        var rootNode = await engine.AddNodeAsync("root", root, ct);
        var bigNode = await engine.AddNodeAsync("big", (await clusters.GetAsync(15)).ConnectionString(), ct);
        var smallNode = await engine.AddNodeAsync("small", (await clusters.GetAsync(15)).ConnectionString(), ct);
        var contexts = engine.Services.GetRequiredService<IDbContextFactory<ControlDbContext>>();
        int big, small;
        await using (var context = await contexts.CreateDbContextAsync(ct))
        {
            var set = new ReplicationSet { Name = "paging", RootNodeId = rootNode, QueueName = "paging" };
            var bigSubscription = new Subscription { Set = set, TargetNodeId = bigNode, ConsumerName = "paging_big" };
            var smallSubscription = new Subscription { Set = set, TargetNodeId = smallNode, ConsumerName = "paging_small" };
            context.AddRange(set, bigSubscription, smallSubscription);
            for (var i = 1; i <= 1000; i++)
            {
                var state = i % 100 == 0 ? TableState.Error : Cycle[i % Cycle.Length];
                context.TableRules.Add(Rule(bigSubscription, "many", $"t{i:D4}", state,
                    rows: i, filter: i % 250 == 0 ? $"id > {i}" : null, error: state == TableState.Error ? $"boom {i:D4}" : null));
            }
            context.TableRules.Add(Rule(bigSubscription, "Weird Schema", "Odd\"Name", TableState.Error, rows: 0, error: "quoted one failed"));
            context.TableRules.Add(Rule(bigSubscription, "many", "per%cent", TableState.Ok, rows: 5));
            context.TableRules.Add(Rule(bigSubscription, "many", "under_score", TableState.Ok, rows: 5));
            context.TableRules.Add(Rule(smallSubscription, "many", "t0001", TableState.Ok, rows: 1));
            context.TableRules.Add(Rule(smallSubscription, "many", "t0002", TableState.New, rows: 0));
            context.SequenceRules.Add(new SequenceRule
            {
                Subscription = smallSubscription, SourceSchema = "many", SourceSequence = "s", TargetSchema = "many", TargetSequence = "s",
            });
            await context.SaveChangesAsync(ct);
            (big, small) = (bigSubscription.Id, smallSubscription.Id);
        }
        var status = engine.Services.GetRequiredService<ReplicationStatusQuery>();

        // Summaries: counts per state from one GROUP BY, failing tables capped, lags from the root.
        var summaries = await status.GetSummariesAsync(Viewer, ct);
        Assert.Equal([big, small], summaries.Select(s => s.Id));
        var bigSummary = summaries[0];
        Assert.Equal(1003, bigSummary.TableCount);
        Assert.Equal(11, bigSummary.TablesByState["Error"]);
        Assert.Equal(Enumerable.Range(1, 1000).Count(i => i % 100 != 0 && Cycle[i % Cycle.Length] == TableState.Ok) + 2, bigSummary.TablesByState["Ok"]);
        Assert.Equal(1003, bigSummary.TablesByState.Values.Sum());
        Assert.Equal(11, bigSummary.ErrorTableCount);
        Assert.Equal(ReplicationStatusQuery.ErrorTablesShown, bigSummary.ErrorTables.Count);
        // By source name in the database's collation (C.UTF-8 here: upper case first).
        Assert.Equal("\"Weird Schema\".\"Odd\"\"Name\"", bigSummary.ErrorTables[0].Source);
        Assert.Equal("\"many\".\"t0100\"", bigSummary.ErrorTables[1].Source);
        Assert.Equal("boom 0100", bigSummary.ErrorTables[1].LastError);
        Assert.Null(bigSummary.QueueError);
        Assert.NotNull(bigSummary.LastTick);
        Assert.NotNull(bigSummary.LagSeconds);
        var smallSummary = await status.GetSummaryAsync(Viewer, small, ct);
        Assert.Equal(2, smallSummary.TableCount);
        Assert.Equal(2, smallSummary.TablesByState.Count);
        Assert.Equal(1, smallSummary.TablesByState["Ok"]);
        Assert.Equal(1, smallSummary.TablesByState["New"]);
        Assert.Empty(smallSummary.ErrorTables);
        Assert.Equal("\"many\".\"s\"", Assert.Single(smallSummary.Sequences).Source);
        // The full read is still there for /api/status, with every table.
        Assert.Equal(1003, (await status.GetSubscriptionAsync(Viewer, big, ct)).Tables.Count);

        // Pages: first, middle, last, past the end; sorted by source name unless told otherwise.
        var first = await status.GetTablesPageAsync(Viewer, big, new TableQuery(0, 25), ct);
        Assert.Equal(1003, first.TotalCount);
        Assert.Equal(25, first.Items.Count);
        Assert.Equal("\"Weird Schema\".\"Odd\"\"Name\"", first.Items[0].Source); // upper case sorts first (collation of the database)
        var last = await status.GetTablesPageAsync(Viewer, big, new TableQuery(40, 25), ct);
        Assert.Equal(3, last.Items.Count);
        Assert.Empty((await status.GetTablesPageAsync(Viewer, big, new TableQuery(41, 25), ct)).Items);
        var all = new List<TableInfo>();
        for (var page = 0; page < 11; page++)
        {
            all.AddRange((await status.GetTablesPageAsync(Viewer, big, new TableQuery(page, 100), ct)).Items);
        }
        Assert.Equal(1003, all.Select(t => t.Id).Distinct().Count());

        // Sorting: by source descending, by state in lifecycle order then name, by rows copied, by two columns.
        Assert.Equal("\"many\".\"under_score\"", (await Page(status, big, new TableQuery(Sort: [new TableSort(TableColumn.Source, true)]), ct)).Items[0].Source);
        var byState = await Page(status, big, new TableQuery(PageSize: 1000, Sort: [new TableSort(TableColumn.State)]), ct);
        Assert.Equal(["New", "Copying", "CatchingUp", "Ok", "Paused", "Error"], byState.Items.Select(t => t.State).Distinct());
        var byRows = await Page(status, big, new TableQuery(PageSize: 3, Sort: [new TableSort(TableColumn.RowsCopied, true)]), ct);
        Assert.Equal([1000L, 999L, 998L], byRows.Items.Select(t => t.RowsCopied));
        var errorsFirst = await Page(status, big, new TableQuery(PageSize: 2,
            Sort: [new TableSort(TableColumn.State, true), new TableSort(TableColumn.Source, true)]), ct);
        Assert.Equal(["\"many\".\"t1000\"", "\"many\".\"t0900\""], errorsFirst.Items.Select(t => t.Source));

        // Filters and search narrow it down, in SQL; % and _ are literal; quoted names match quoted or plain.
        Assert.Equal("\"many\".\"t0737\"", Assert.Single((await Page(status, big, new TableQuery(Search: "t0737"), ct)).Items).Source);
        Assert.Equal("\"many\".\"t0737\"", Assert.Single((await Page(status, big, Filter(TableColumn.Source, TextMatch.Contains, "T0737"), ct)).Items).Source);
        Assert.Equal("\"many\".\"t0737\"", Assert.Single((await Page(status, big, Filter(TableColumn.Target, TextMatch.Is, "many.t0737"), ct)).Items).Source);
        Assert.Single((await Page(status, big, Filter(TableColumn.Source, TextMatch.Is, "\"many\".\"t0737\""), ct)).Items);
        Assert.Equal("\"many\".\"per%cent\"", Assert.Single((await Page(status, big, new TableQuery(Search: "%"), ct)).Items).Source);
        Assert.Equal("\"many\".\"under_score\"", Assert.Single((await Page(status, big, new TableQuery(Search: "r_s"), ct)).Items).Source);
        Assert.Single((await Page(status, big, new TableQuery(Search: "Odd\"Name"), ct)).Items);
        Assert.Single((await Page(status, big, new TableQuery(Search: "\"Weird Schema\".\"Odd\"\"Name\""), ct)).Items);
        Assert.Single((await Page(status, big, Filter(TableColumn.Source, TextMatch.StartsWith, "weird schema."), ct)).Items);
        Assert.Equal(1002, (await Page(status, big, Filter(TableColumn.Source, TextMatch.NotContains, "Odd"), ct)).TotalCount);
        Assert.Equal(4, (await Page(status, big, Filter(TableColumn.Filter, TextMatch.NotEmpty), ct)).TotalCount);
        Assert.Equal(999, (await Page(status, big, Filter(TableColumn.Filter, TextMatch.Empty), ct)).TotalCount);
        Assert.Equal(11, (await Page(status, big, Filter(TableColumn.LastError, TextMatch.NotEmpty), ct)).TotalCount);
        Assert.Equal(10, (await Page(status, big, Filter(TableColumn.LastError, TextMatch.EndsWith, "00"), ct)).TotalCount);
        var catchingUp = Enumerable.Range(1, 1000).Count(i => i % 100 != 0 && Cycle[i % Cycle.Length] == TableState.CatchingUp);
        Assert.Equal(catchingUp, (await Page(status, big, Filter(TableColumn.State, TextMatch.Is, "catching up"), ct)).TotalCount);
        Assert.Equal(catchingUp, (await Page(status, big, new TableQuery(Search: "Catching Up"), ct)).TotalCount);
        Assert.Equal(1003 - 11, (await Page(status, big, Filter(TableColumn.State, TextMatch.IsNot, "error"), ct)).TotalCount);
        var narrowed = await Page(status, big, new TableQuery(Search: "t07", Filters:
            [new TableFilter(TableColumn.State, TextMatch.Is, "error"), new TableFilter(TableColumn.LastError, TextMatch.Contains, "boom")]), ct);
        Assert.Equal("\"many\".\"t0700\"", Assert.Single(narrowed.Items).Source);
        Assert.Empty((await Page(status, big, new TableQuery(Search: "no such table"), ct)).Items);
        // The small subscription's tables never show in the big one's pages.
        Assert.Equal(2, (await Page(status, small, new TableQuery(Search: "t000"), ct)).TotalCount);

        // The lag reads keep a pooled connection to the root; when it goes stale (here its server process is ended), the
        // next read costs one retry on a new connection, not an error on the dashboard.
        await using (var admin = NpgsqlDataSource.Create(root))
        await using (var terminate = admin.CreateCommand(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'ferry-status'"))
        {
            Assert.True((long)(await terminate.ExecuteScalarAsync(ct))! >= 1, "the lag read keeps no connection to the root");
        }
        Assert.Null((await status.GetSummaryAsync(Viewer, big, ct)).QueueError);

        // Refusals: a Viewer at least, a sane page, an existing subscription.
        await Assert.ThrowsAsync<AccessDeniedException>(() => status.GetTablesPageAsync(new System.Security.Claims.ClaimsPrincipal(), big, new TableQuery(), ct));
        await Assert.ThrowsAsync<AccessDeniedException>(() => status.GetSummariesAsync(new System.Security.Claims.ClaimsPrincipal(), ct));
        await Assert.ThrowsAsync<ReplicationRefusedException>(() => status.GetTablesPageAsync(Viewer, big, new TableQuery(0, 0), ct));
        await Assert.ThrowsAsync<ReplicationRefusedException>(() => status.GetTablesPageAsync(Viewer, big, new TableQuery(-1, 25), ct));
        await Assert.ThrowsAsync<ReplicationRefusedException>(() => status.GetTablesPageAsync(Viewer, 9999, new TableQuery(), ct));
        await Assert.ThrowsAsync<ReplicationRefusedException>(() => status.GetSummaryAsync(Viewer, 9999, ct));
    }

    private static Task<TablePage> Page(ReplicationStatusQuery status, int subscription, TableQuery query, CancellationToken ct) =>
        status.GetTablesPageAsync(Viewer, subscription, query, ct);

    private static TableQuery Filter(TableColumn column, TextMatch match, string? value = null) => new(Filters: [new TableFilter(column, match, value)]);

    private static TableRuleRecord Rule(
        Subscription subscription, string schema, string table, TableState state, long rows, string? filter = null, string? error = null) => new()
        {
            Subscription = subscription,
            SourceSchema = schema,
            SourceTable = table,
            TargetSchema = schema,
            TargetTable = table,
            Filter = filter,
            KeyColumns = ["id"],
            State = state,
            RowsCopied = rows,
            LastError = error,
        };
}
