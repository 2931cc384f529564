using Ferry.Engine.Apply.Handlers;
using Ferry.Engine.Copy;
using Ferry.Engine.Rules;
using Ferry.Engine.Target;
using Ferry.Engine.Tests.Replication;
using Ferry.Engine.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Ferry.Engine.Tests.Copy;

/// <summary>The copy bookkeeping of a running subscription: which tables get copied, and what a failed copy leaves.</summary>
[Collection(ClusterCollection.Name)]
public sealed class CopyCoordinatorTests(ClusterFixture clusters)
{
    [Fact]
    public async Task StartDue_CopiesNewTables_AndReap_MovesATableWhoseCopyFailsForGoodToError()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var source = NpgsqlDataSource.Create(await clusters.CreateDatabaseAsync(15, "coordinator_src"));
        await using var target = NpgsqlDataSource.Create(await clusters.CreateDatabaseAsync(15, "coordinator_dst"));
        await ExecuteAsync(source, """
            CREATE SCHEMA cc;
            CREATE TABLE cc.good (id int PRIMARY KEY, v int);
            CREATE TABLE cc.bad (id int PRIMARY KEY, v int);
            INSERT INTO cc.good SELECT i, i FROM generate_series(1, 100) i;
            INSERT INTO cc.bad SELECT i, i FROM generate_series(1, 100) i;
            """);
        // Every source row breaks the target's check: a permanent error (SQLSTATE class 23), not worth a retry.
        await ExecuteAsync(target, """
            CREATE SCHEMA cc;
            CREATE TABLE cc.good (id int PRIMARY KEY, v int);
            CREATE TABLE cc.bad (id int PRIMARY KEY, v int CHECK (v < 0));
            """);
        var rules = new Dictionary<string, TableRule>(StringComparer.Ordinal);
        foreach (var table in new[] { "good", "bad" })
        {
            var rule = await TableRuleValidator.ValidateAsync(source, target, new TableRuleRequest(new TableName("cc", table)), ct);
            rules[rule.SourceTable] = rule;
        }
        var store = new TargetStateStore(target, "coordinator");
        await store.InstallAsync(ct);
        foreach (var rule in rules.Values)
        {
            await store.AddTableAsync(rule, ct);
        }
        var options = new CopyOptions { MaxConcurrentCopies = 1, ProgressInterval = TimeSpan.Zero };
        await using var copies = new CopyCoordinator(
            new TableCopy(source, target, store, new BulkHandler(), options), store, options, TimeProvider.System,
            NullLogger<CopyCoordinator>.Instance);

        copies.StartDue(await store.GetTablesAsync(ct), rules);
        Assert.Equal(2, copies.Running);
        var tables = await Eventually.WaitAsync(
            async () =>
            {
                await copies.ReapAsync(ct);
                return await store.GetTablesAsync(ct);
            },
            _ => copies.Running == 0, TimeSpan.FromSeconds(30), t => string.Join(", ", t.Select(s => $"{s.SourceTable} {s.State}")));

        Assert.Equal(TableState.CatchingUp, tables.Single(t => t.SourceTable == "cc.good").State);
        var progress = copies.ProgressOf("cc.good");
        Assert.True(progress is { RowsCopied: 100, Done: true }, $"{progress}");
        var bad = tables.Single(t => t.SourceTable == "cc.bad");
        Assert.Equal(TableState.Error, bad.State);
        Assert.StartsWith("The copy failed: ", bad.Error, StringComparison.Ordinal);
        Assert.Contains("(SQLSTATE 23514)", bad.Error, StringComparison.Ordinal);
        // Neither a copied nor a failed table is copied again.
        copies.StartDue(await store.GetTablesAsync(ct), rules);
        Assert.Equal(0, copies.Running);
    }

    private static async Task ExecuteAsync(NpgsqlDataSource data, string sql)
    {
        await using var command = data.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }
}
