using System.Globalization;
using Ferry.Engine.Control;
using Ferry.Engine.Demo;
using Ferry.Engine.Replication;
using Ferry.Engine.Replication.Compare;
using Ferry.Engine.Replication.Sequences;
using Ferry.Engine.Replication.Sets;
using Ferry.Engine.Replication.Status;
using Ferry.Engine.Replication.Subscriptions;
using Ferry.Engine.Replication.Tables;
using Ferry.Engine.Target;
using Ferry.Engine.Tests.Replication;
using Ferry.Engine.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static Ferry.Engine.Tests.Support.SeedChecks;

namespace Ferry.Engine.Tests.Topology;

/// <summary>
/// A merge (docs/decisions/ADR-021-merge.md): four PL/Proxy-style hash partitions of the seed's tables, each its own set on
/// PostgreSQL 13 or 15, replicated into one target table on 18 while the seed workload runs on all four; refusals that change
/// nothing; a resync of one partition under load that a concurrent reader never sees the rows of any partition missing from.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class MergeTests(ClusterFixture clusters)
{
    private const int Users = 2000;
    private static readonly System.Security.Claims.ClaimsPrincipal Operator = ReplicationTestEnvironment.User("olga", FerryRoles.Operator);

    private static string Owned(int part) => $"hashtext(userid::text) & 3 = {part}";

    [Fact]
    public async Task FourPartitions_MergeIntoOneTable_UnderLoad_AndAResyncOfOneNeverHidesAnyPartitionsRows()
    {
        var ct = TestContext.Current.CancellationToken;
        var targetCs = await SeedScenario.CreateTargetAsync((await clusters.GetAsync(18)).ConnectionString(), "merge_t", "digoal_01", "pw1",
            allTables: false, ct);
        await using var target = NpgsqlDataSource.Create(targetCs);
        await using var engine = await ReplicationTestEnvironment.StartAsync(await clusters.CreateDatabaseAsync(15, "merge_control"), ct);
        var tables = engine.Services.GetRequiredService<TableRuleService>();
        var status = engine.Services.GetRequiredService<ReplicationStatusQuery>();
        var targetNode = await engine.AddNodeAsync("target", targetCs, ct);
        var sources = new NpgsqlDataSource[4];
        var subscriptions = new int[4];
        for (var part = 0; part < 4; part++)
        {
            var cluster = (await clusters.GetAsync(part % 2 == 0 ? 13 : 15)).ConnectionString();
            var sourceCs = await SeedScenario.CreateSourceAsync(cluster, $"merge_part{part}", "digoal_01", "pw1", Users, ct);
            sources[part] = NpgsqlDataSource.Create(sourceCs);
            await ExecuteAsync(sources[part], $"DELETE FROM digoal_01.user_info WHERE NOT ({Owned(part)}); "
                + $"DELETE FROM digoal_01.user_session WHERE NOT ({Owned(part)}); "
                + $"SELECT setval('digoal_01.seq_login_id', {(part + 1) * 1000})");
            var set = await engine.Services.GetRequiredService<SetService>()
                .CreateSetAsync(Operator, $"part{part}", await engine.AddNodeAsync($"part{part}", sourceCs, ct), ct);
            subscriptions[part] = (await engine.Services.GetRequiredService<SubscriptionService>()
                .SubscribeAsync(Operator, set.Id, targetNode, ct)).Id;
        }
        try
        {
            await tables.AddTableAsync(Operator, subscriptions[0], new AddTableRequest("digoal_01.user_info", OwnedRows: Owned(0)), ct);
            await WaitAllOkAsync(status, [subscriptions[0]], 1);

            // Refusals: each says what to fix and adds nothing.
            async Task RefusedAsync(string? owned, string expected)
            {
                var refused = await Assert.ThrowsAsync<ReplicationRefusedException>(() => tables.AddTableAsync(
                    Operator, subscriptions[1], new AddTableRequest("digoal_01.user_info", OwnedRows: owned), ct));
                Assert.Contains(expected, refused.Message, StringComparison.Ordinal);
                Assert.Empty((await status.GetSubscriptionAsync(Operator, subscriptions[1], ct)).Tables);
            }
            await RefusedAsync(null, "already written by set(s) 'part0'");
            await RefusedAsync(Owned(0), "they are the same condition");
            await RefusedAsync(Owned(2), "has rows outside the owned rows");
            await RefusedAsync("userid > 0", "satisfies both");
            await RefusedAsync("userid >", "not valid");

            for (var part = 0; part < 4; part++)
            {
                if (part > 0)
                {
                    await tables.AddTableAsync(
                        Operator, subscriptions[part], new AddTableRequest("digoal_01.user_info", OwnedRows: Owned(part)), ct);
                }
                await tables.AddTableAsync(
                    Operator, subscriptions[part], new AddTableRequest("digoal_01.user_session", OwnedRows: Owned(part)), ct);
                await engine.Services.GetRequiredService<SequenceRuleService>()
                    .AddSequenceAsync(Operator, subscriptions[part], "digoal_01.seq_login_id", null, ct);
            }
            await WaitAllOkAsync(status, subscriptions, 2);
            var merges = await engine.Services.GetRequiredService<MergedTablesQuery>().GetAsync(Operator, ct);
            Assert.Equal(["\"digoal_01\".\"user_info\"", "\"digoal_01\".\"user_session\""], merges.Select(m => m.Target));
            Assert.All(merges, m => Assert.Equal(["part0", "part1", "part2", "part3"], m.Sources.Select(s => s.SetName)));
            Assert.Equal(Owned(3), merges[0].Sources[3].OwnedRows);
            var partitionRows = new long[4];
            for (var part = 0; part < 4; part++)
            {
                partitionRows[part] = await ScalarAsync<long>(sources[part], "SELECT count(*) FROM digoal_01.user_session");
                Assert.True(partitionRows[part] > 300, $"partition {part} has {partitionRows[part]} rows");
            }
            Assert.Equal(Users, partitionRows.Sum());

            // The workload on all four sources, and a reader on the target counting each partition's rows all the while.
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var workloads = sources
                .Select((s, i) => Task.Run(() => SeedScenario.WorkloadAsync(s, "digoal_01", stop.Token, seed: 40 + i), ct))
                .ToArray();
            var reads = 0;
            var reader = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    foreach (var table in new[] { "user_info", "user_session" })
                    {
                        await using var command = target.CreateCommand(
                            $"SELECT hashtext(userid::text) & 3, count(*) FROM digoal_01.{table} GROUP BY 1 ORDER BY 1");
                        await using var rows = await command.ExecuteReaderAsync(CancellationToken.None);
                        var seen = new long[4];
                        while (await rows.ReadAsync(CancellationToken.None))
                        {
                            seen[rows.GetInt32(0)] = rows.GetInt64(1);
                        }
                        Assert.True(seen.SequenceEqual(partitionRows),
                            $"a reader saw {table} with partitions of {string.Join("/", seen)} rows, "
                            + $"not {string.Join("/", partitionRows)}");
                        reads++;
                    }
                }
            }, ct);

            // Let every subscription apply under load, then resync partition 2's tables while it goes on.
            await Eventually.WaitAsync(() => Task.FromResult(reads), r => r > 20, TimeSpan.FromSeconds(30), r => $"{r} reads");
            var someUser = await ScalarAsync<int>(sources[2], "SELECT min(userid) FROM digoal_01.user_info");
            var xminBefore = await ScalarAsync<string>(target, $"SELECT xmin::text FROM digoal_01.user_info WHERE userid = {someUser}");
            foreach (var table in (await status.GetSubscriptionAsync(Operator, subscriptions[2], ct)).Tables)
            {
                await tables.ResyncTableAsync(Operator, subscriptions[2], table.Id, ct);
            }
            await Eventually.WaitAsync(
                () => ScalarAsync<string>(target, $"SELECT xmin::text FROM digoal_01.user_info WHERE userid = {someUser}"),
                x => x != xminBefore, TimeSpan.FromSeconds(90), _ => "partition 2's user_info was not copied again");
            await WaitAllOkAsync(status, subscriptions, 2);
            var readsBefore = reads;
            await Eventually.WaitAsync(
                () => Task.FromResult(reads), r => r > readsBefore + 10, TimeSpan.FromSeconds(30), r => $"{r} reads");

            await stop.CancelAsync();
            var calls = await Task.WhenAll(workloads);
            await reader;
            Assert.All(calls, c => Assert.True(c > 50, $"a workload made only {c} calls"));

            // Each partition's rows equal its source's; nothing else is in the table; no subscription stopped (no deadlock).
            for (var part = 0; part < 4; part++)
            {
                var expected = await HashAsync(sources[part], "digoal_01.user_session", UserSessionColumns);
                await Eventually.WaitAsync(() => HashAsync(target, "digoal_01.user_session", UserSessionColumns, Owned(part)),
                    h => h == expected, TimeSpan.FromSeconds(90), h => $"partition {part}: target {h}, source {expected}");
                Assert.Equal(await HashAsync(sources[part], "digoal_01.user_info", UserInfoColumns),
                    await HashAsync(target, "digoal_01.user_info", UserInfoColumns, Owned(part)));
            }
            Assert.Equal(Users, await ScalarAsync<long>(target, "SELECT count(*) FROM digoal_01.user_session"));
            Assert.Equal(0L, await ScalarAsync<long>(target, "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()"));
            foreach (var id in subscriptions)
            {
                var subscription = await status.GetSubscriptionAsync(Operator, id, ct);
                Assert.Null(subscription.LastError);
                Assert.Equal(nameof(SubscriptionState.Active), subscription.State);
            }

            // Sequences of the four sources onto one target sequence: the highest wins.
            var highest = 0L;
            foreach (var source in sources)
            {
                highest = Math.Max(highest, await ScalarAsync<long>(source, "SELECT last_value FROM digoal_01.seq_login_id"));
            }
            await engine.Services.GetRequiredService<ReplicationHousekeeping>().SyncSequencesAsync(ct);
            Assert.Equal(highest, await ScalarAsync<long>(target, "SELECT last_value FROM digoal_01.seq_login_id"));
        }
        finally
        {
            foreach (var source in sources.OfType<NpgsqlDataSource>())
            {
                await source.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task MergeRule_CopyStopsAtASourceRowOutsideItsOwnedRows_AndOtherSourcesRowsStay()
    {
        var ct = TestContext.Current.CancellationToken;
        var cluster = (await clusters.GetAsync(15)).ConnectionString();
        var targetCs = await SeedScenario.CreateTargetAsync(cluster, "merge_guard_t", "digoal_01", "pw1", allTables: false, ct);
        var sourceCs = await SeedScenario.CreateSourceAsync(cluster, "merge_guard_s", "digoal_01", "pw1", 100, ct);
        await using var target = NpgsqlDataSource.Create(targetCs);
        await using var source = NpgsqlDataSource.Create(sourceCs);
        await ExecuteAsync(source, "DELETE FROM digoal_01.user_info WHERE userid > 50");
        // Another source's rows, already in the target table.
        await ExecuteAsync(target,
            "INSERT INTO digoal_01.user_info (userid, engname) SELECT g, 'other' FROM generate_series(1001, 1100) g");
        await using var engine = await ReplicationTestEnvironment.StartAsync(
            await clusters.CreateDatabaseAsync(15, "merge_guard_control"), ct);
        var set = await engine.Services.GetRequiredService<SetService>()
            .CreateSetAsync(Operator, "guard", await engine.AddNodeAsync("source", sourceCs, ct), ct);
        var subscription = (await engine.Services.GetRequiredService<SubscriptionService>()
            .SubscribeAsync(Operator, set.Id, await engine.AddNodeAsync("target", targetCs, ct), ct)).Id;
        var tables = engine.Services.GetRequiredService<TableRuleService>();
        var status = engine.Services.GetRequiredService<ReplicationStatusQuery>();
        var table = await tables.AddTableAsync(
            Operator, subscription, new AddTableRequest("digoal_01.user_info", OwnedRows: "userid <= 1000"), ct);
        await WaitAllOkAsync(status, [subscription], 1);
        Assert.Equal(150L, await ScalarAsync<long>(target, "SELECT count(*) FROM digoal_01.user_info"));

        // A source row outside the owned rows: the batch stops with the row named, and nothing of it is applied.
        await ExecuteAsync(source, "INSERT INTO digoal_01.user_info (userid, engname) VALUES (5000, 'stray')");
        // The failing batch stops the subscription, or (since the error history, ADR-017) only the table it belongs to.
        static string? Error(SubscriptionStatus s) => s.LastError ?? s.Tables.Single().LastError;
        var stopped = await Eventually.WaitAsync(() => status.GetSubscriptionAsync(Operator, subscription, ct),
            s => Error(s) is not null, TimeSpan.FromSeconds(60), s => $"{s.State}: no error");
        Assert.Contains("outside the owned rows", Error(stopped), StringComparison.Ordinal);
        Assert.Contains("5000", Error(stopped), StringComparison.Ordinal);
        Assert.Equal(0L, await ScalarAsync<long>(target, "SELECT count(*) FROM digoal_01.user_info WHERE userid = 5000"));

        // A resync deletes and copies only its own rows: the other source's 100 rows stay; the stray row stops the copy too.
        await ExecuteAsync(source,
            "DELETE FROM digoal_01.user_info WHERE userid = 5000; DELETE FROM digoal_01.user_info WHERE userid <= 10");
        await tables.ResyncTableAsync(Operator, subscription, table.Id, ct);
        if (stopped.LastError is not null)
        {
            await engine.Services.GetRequiredService<SubscriptionService>().ResumeAsync(Operator, subscription, ct);
        }
        await Eventually.WaitAsync(() => ScalarAsync<long>(target, "SELECT count(*) FROM digoal_01.user_info WHERE userid <= 1000"),
            c => c == 40, TimeSpan.FromSeconds(60), c => $"{c} own rows");
        await WaitAllOkAsync(status, [subscription], 1);
        Assert.Equal(100L, await ScalarAsync<long>(target, "SELECT count(*) FROM digoal_01.user_info WHERE engname = 'other'"));

        // A compare sees only the rule's own rows: the other source's are neither extra nor repaired away.
        var compare = engine.Services.GetRequiredService<CompareService>();
        var equal = await compare.CompareTableAsync(Operator, subscription, table.Id, ct);
        Assert.Equal(("Done", 40L, 40L, false), (equal.State, equal.SourceRows, equal.TargetRows, equal.Differs));
        await ExecuteAsync(target, "DELETE FROM digoal_01.user_info WHERE userid IN (20, 1001)");
        var differs = await compare.CompareTableAsync(Operator, subscription, table.Id, ct);
        Assert.Equal(("Done", 1L, 0L, 0L), (differs.State, differs.Missing, differs.Extra, differs.Different));
    }

    private static async Task WaitAllOkAsync(ReplicationStatusQuery status, IEnumerable<int> subscriptions, int tables)
    {
        foreach (var id in subscriptions)
        {
            await Eventually.WaitAsync(() => status.GetSubscriptionAsync(Operator, id, TestContext.Current.CancellationToken),
                s => s.Tables.Count == tables && s.Tables.All(t => t.State == nameof(TableState.Ok)), TimeSpan.FromSeconds(120),
                s => $"subscription {id}: " + string.Join(", ", s.Tables.Select(t => $"{t.Source} {t.State} {t.LastError}"))
                    + " " + s.LastError);
        }
    }

    private static async Task ExecuteAsync(NpgsqlDataSource data, string sql)
    {
        await using var command = data.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlDataSource data, string sql)
    {
        await using var command = data.CreateCommand(sql);
        var value = await command.ExecuteScalarAsync(TestContext.Current.CancellationToken);
        return (T)Convert.ChangeType(value!, typeof(T), CultureInfo.InvariantCulture);
    }
}
