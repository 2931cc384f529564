using System.Diagnostics;
using Ferry.Engine.Control;
using Ferry.Engine.Replication.Compare;
using Ferry.Engine.Tests.Replication;
using Ferry.Engine.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static Ferry.Engine.Tests.Support.SeedChecks;

namespace Ferry.Engine.Tests.Compare;

/// <summary>
/// Resync without emptying the target (docs/decisions/ADR-018-compare-portal-and-resync-in-place.md), PostgreSQL 13 → 18,
/// filtered table, while a workload writes the source and a reader counts the target's rows every few milliseconds: the
/// count never drops below the source's, no count waits more than a moment, the stale rows are written and the extra ones
/// deleted, a target row outside the filter is left alone, and both sides end equal.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class InPlaceResyncTests(ClusterFixture clusters, ITestOutputHelper output)
{
    private static readonly System.Security.Claims.ClaimsPrincipal Operator = ReplicationTestEnvironment.User("olga", FerryRoles.Operator);

    [Fact]
    public async Task ResyncInPlace_NeverDropsTheReadersCount_AndLeavesRowsOutsideTheFilter()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var scenario = await CompareScenario.StartAsync(clusters, "cmp_inplace", ct);
        await CompareScenario.ExecuteAsync(scenario.Target, """
            UPDATE digoal_02.user_info SET engname = 'stale', email = NULL WHERE userid <= 300;
            INSERT INTO digoal_02.user_info (userid, engname) SELECT -g, 'extra' FROM generate_series(1, 20) AS g;
            INSERT INTO digoal_02.user_info (userid, engname) VALUES (1950, 'outside the filter');
            """);
        using var stop = new CancellationTokenSource();
        var workload = scenario.WorkloadAsync(stop.Token);
        var reader = ReadCountsAsync(scenario, stop.Token);

        var result = await scenario.Engine.Services.GetRequiredService<InPlaceResync>()
            .ResyncAsync(Operator, scenario.SubscriptionId, scenario.TableId, ct);
        await Task.Delay(200, ct); // a few more counts after the last repair
        await stop.CancelAsync();
        var (minimum, slowest, counts) = await reader;
        Assert.True(await workload > 20, "the workload hardly ran");
        output.WriteLine($"{counts} counts, lowest {minimum}, slowest {slowest.TotalMilliseconds:0.0} ms; {result.Rounds} round(s)");

        Assert.Equal((300L, 20L), (result.Written, result.Deleted));
        Assert.False(result.Report.Differs);
        Assert.True(counts > 50, $"the reader counted only {counts} times");
        Assert.True(minimum >= 1000, $"a reader saw {minimum} rows where the source has 1000");
        Assert.True(slowest < TimeSpan.FromSeconds(1), $"a count waited {slowest.TotalMilliseconds:0} ms");
        var expected = await HashAsync(scenario.Source, "digoal_01.user_info", UserInfoColumns, CompareScenario.Filter);
        await Eventually.WaitAsync(() => HashAsync(scenario.Target, "digoal_02.user_info", UserInfoColumns, CompareScenario.Filter),
            h => h == expected, TimeSpan.FromSeconds(30), h => $"target {h}, source {expected}");
        await using (var outside = scenario.Target.CreateCommand("SELECT engname FROM digoal_02.user_info WHERE userid = 1950"))
        {
            Assert.Equal("outside the filter", await outside.ExecuteScalarAsync(ct));
        }
        await using var context = await scenario.Engine.Services.GetRequiredService<IDbContextFactory<ControlDbContext>>().CreateDbContextAsync(ct);
        var audit = await context.AuditEntries.SingleAsync(a => a.Action == "resync", ct);
        Assert.Equal(("olga", "in-place"), (audit.UserName, audit.After!.RootElement.GetProperty("mode").GetString()));
    }

    /// <summary>A scheduled resync of a table that is ok runs in place (acting as the schedule); the table never leaves ok.</summary>
    [Fact]
    public async Task ScheduledResync_OfAnOkTable_RunsInPlace()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var scenario = await CompareScenario.StartAsync(clusters, "cmp_inplace_sched", ct);
        await CompareScenario.ExecuteAsync(scenario.Target, "UPDATE digoal_02.user_info SET engname = 'stale' WHERE userid <= 5");

        await scenario.Engine.Services.GetRequiredService<Ferry.Engine.Schedules.IResyncRunner>().ResyncTableAsync(scenario.TableId, "schedule:nightly", ct);

        await using var context = await scenario.Engine.Services.GetRequiredService<IDbContextFactory<ControlDbContext>>().CreateDbContextAsync(ct);
        var audit = await context.AuditEntries.SingleAsync(a => a.Action == "resync", ct);
        Assert.Equal(("schedule:nightly", "in-place", 5L), (audit.UserName, audit.After!.RootElement.GetProperty("mode").GetString(),
            audit.After.RootElement.GetProperty("written").GetInt64()));
        var table = await context.TableRules.SingleAsync(t => t.Id == scenario.TableId, ct);
        Assert.Equal((Ferry.Engine.Target.TableState.Ok, (bool?)false), (table.State, table.Differs));
    }

    /// <summary>Counts the target's rows inside the filter until stopped: the lowest count, the slowest count, how many.</summary>
    private static async Task<(long Minimum, TimeSpan Slowest, int Counts)> ReadCountsAsync(CompareScenario scenario, CancellationToken stop)
    {
        var minimum = long.MaxValue;
        var slowest = TimeSpan.Zero;
        var counts = 0;
        await using var connection = await scenario.Target.OpenConnectionAsync(CancellationToken.None);
        await using var command = new Npgsql.NpgsqlCommand($"SELECT count(*) FROM digoal_02.user_info WHERE {CompareScenario.Filter} AND userid > 0", connection);
        while (!stop.IsCancellationRequested)
        {
            var watch = Stopwatch.StartNew();
            var count = (long)(await command.ExecuteScalarAsync(CancellationToken.None))!;
            slowest = watch.Elapsed > slowest ? watch.Elapsed : slowest;
            minimum = Math.Min(minimum, count);
            counts++;
            await Task.Delay(2, CancellationToken.None);
        }
        return (minimum, slowest, counts);
    }
}
