using Ferry.Engine.Control;
using Ferry.Engine.Demo;
using Ferry.Engine.Nodes;
using Ferry.Engine.Replication;
using Ferry.Engine.Replication.Internal;
using Ferry.Engine.Replication.Sets;
using Ferry.Engine.Replication.Status;
using Ferry.Engine.Replication.Subscriptions;
using Ferry.Engine.Replication.Tables;
using Ferry.Engine.Replication.Throughput;
using Ferry.Engine.Target;
using Ferry.Engine.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Ferry.Engine.Tests.Replication;

/// <summary>
/// Events applied per minute as the runner counts them (<see cref="ThroughputBucket"/>), the last hour as
/// <see cref="ThroughputQuery"/> reads it, and the purge; against a real control database, source and target.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ThroughputTests(ClusterFixture clusters)
{
    private static readonly System.Security.Claims.ClaimsPrincipal Operator = ReplicationTestEnvironment.User("olga", FerryRoles.Operator);
    private static readonly System.Security.Claims.ClaimsPrincipal Viewer = ReplicationTestEnvironment.User("victor", FerryRoles.Viewer);

    [Fact]
    public async Task AppliedEvents_AreCountedOnce_AndTheLastHourIsADenseSeriesWithTheSameSum()
    {
        var ct = TestContext.Current.CancellationToken;
        var (engine, source, target, subscriptionId) = await StartAsync("count", ct);
        await using var _ = engine;
        await using var __ = source;
        await using var ___ = target;
        var query = engine.Services.GetRequiredService<ThroughputQuery>();
        Assert.Equal(0, Total(await query.GetLastHourAsync(Viewer, subscriptionId, ct)));

        // 40 + 25 + 10 row changes of the replicated table (one event each), in three transactions, so in one or more batches;
        // the log table user_login_rec is not replicated, so its inserts are not applied events.
        await ExecuteAsync(source, "UPDATE digoal_01.user_session SET login_count = login_count + 1 WHERE userid <= 40");
        await ExecuteAsync(source, "UPDATE digoal_01.user_session SET login_count = login_count + 1 WHERE userid > 75");
        await ExecuteAsync(source, "SELECT digoal_01.f_user_login(g) FROM generate_series(41, 50) g");

        var hour = await Eventually.WaitAsync(() => query.GetLastHourAsync(Viewer, subscriptionId, ct), h => Total(h) >= 75,
            TimeSpan.FromSeconds(30), h => $"{Total(h)} events counted");
        var series = Assert.Single(hour);
        Assert.Equal(subscriptionId, series.SubscriptionId);
        Assert.Equal(75, series.TotalEvents);
        Assert.Equal(75, await ScalarAsync(engine, "SELECT sum(events) FROM ferry.throughput_buckets"));
        // Dense: 60 points a minute apart, ending with the minute under way, every minute present (0 without events).
        Assert.Equal(60, series.Points.Count);
        Assert.Equal(60, series.BucketSeconds);
        Assert.All(series.Points.Zip(series.Points.Skip(1)), p => Assert.Equal(TimeSpan.FromMinutes(1), p.Second.Start - p.First.Start));
        Assert.Equal(ThroughputBucket.StartOf(DateTimeOffset.UtcNow), series.Points[^1].Start, TimeSpan.FromMinutes(1));
        Assert.True(series.Points.Count(p => p.Events == 0) >= 57, "the workload spans at most two or three minutes");
        Assert.All(series.Points.Where(p => p.Events > 0), p => Assert.True(p.EventsPerSecond > 0));
        Assert.All(series.Points.SkipLast(1), p => Assert.Equal(Math.Round(p.Events / 60.0, 2), p.EventsPerSecond));

        // Every subscription is in the unfiltered answer.
        Assert.Equal(75, Assert.Single(await query.GetLastHourAsync(Viewer, null, ct)).TotalEvents);
    }

    [Fact]
    public async Task CountsNotFlushedByAPoll_AreFlushedWhenTheRunnerStops()
    {
        var ct = TestContext.Current.CancellationToken;
        var (engine, source, target, subscriptionId) = await StartAsync("stop", ct);
        await using var _ = engine;
        await using var __ = source;
        await using var ___ = target;
        // Hand the subscription from the host's runner to one that never polls within the test (so never flushes but at its stop).
        var subscriptions = engine.Services.GetRequiredService<SubscriptionService>();
        await subscriptions.PauseAsync(Operator, subscriptionId, ct);
        var contexts = engine.Services.GetRequiredService<IDbContextFactory<ControlDbContext>>();
        await using (var control = NpgsqlDataSource.Create(engine.ControlConnectionString))
        await using (var connection = await control.OpenConnectionAsync(ct))
        {
            await Eventually.WaitAsync(() => LoopLock.IsHeldAsync(connection, LoopLock.ApplyClass, subscriptionId, ct),
                held => !held, TimeSpan.FromSeconds(10), _ => "the paused loop still holds its lock");
        }
        await using (var context = await contexts.CreateDbContextAsync(ct))
        {
            await context.Subscriptions.Where(s => s.Id == subscriptionId)
                .ExecuteUpdateAsync(u => u.SetProperty(s => s.State, SubscriptionState.Active), ct);
        }
        var runner = new SubscriptionRunner(contexts, engine.Services.GetRequiredService<NodeDataSources>(),
            Microsoft.Extensions.Options.Options.Create(new ReplicationOptions { ControlPollInterval = TimeSpan.FromHours(1) }),
            TimeProvider.System, engine.Services.GetRequiredService<Microsoft.Extensions.Logging.ILoggerFactory>(),
            engine.Services.GetRequiredService<Ferry.Engine.Metrics.FerryMetrics>());
        using var stop = new CancellationTokenSource();
        var running = runner.RunAsync(subscriptionId, stop.Token);

        await ExecuteAsync(source, "UPDATE digoal_01.user_session SET login_count = login_count + 1 WHERE userid <= 30");
        await Eventually.WaitAsync(() => LoginsAsync(target), n => n == 30, TimeSpan.FromSeconds(30), n => $"{n} logins applied");
        Assert.Equal(0, await ScalarAsync(engine, "SELECT coalesce(sum(events), 0) FROM ferry.throughput_buckets"));

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);

        Assert.Equal(30, await ScalarAsync(engine, "SELECT sum(events) FROM ferry.throughput_buckets"));
    }

    [Fact]
    public async Task Purge_RemovesBucketsOlderThanADay_AndDroppingTheSubscriptionRemovesItsBuckets()
    {
        var ct = TestContext.Current.CancellationToken;
        var (engine, source, target, subscriptionId) = await StartAsync("purge", ct);
        await using var _ = engine;
        await using var __ = source;
        await using var ___ = target;
        var now = ThroughputBucket.StartOf(DateTimeOffset.UtcNow);
        var contexts = engine.Services.GetRequiredService<IDbContextFactory<ControlDbContext>>();
        await using (var context = await contexts.CreateDbContextAsync(ct))
        {
            context.ThroughputBuckets.AddRange(
                new ThroughputBucket { SubscriptionId = subscriptionId, BucketStart = now.AddHours(-30), Events = 7 },
                new ThroughputBucket { SubscriptionId = subscriptionId, BucketStart = now.AddHours(-24).AddMinutes(-2), Events = 5 },
                new ThroughputBucket { SubscriptionId = subscriptionId, BucketStart = now.AddHours(-23), Events = 3 },
                new ThroughputBucket { SubscriptionId = subscriptionId, BucketStart = now.AddMinutes(-90), Events = 2 },
                new ThroughputBucket { SubscriptionId = subscriptionId, BucketStart = now.AddMinutes(-10), Events = 600 });
            await context.SaveChangesAsync(ct);
        }

        Assert.Equal(2, await engine.Services.GetRequiredService<ReplicationHousekeeping>().PurgeThroughputAsync(ct));
        Assert.Equal(3, await ScalarAsync(engine, "SELECT count(*) FROM ferry.throughput_buckets"));
        // The hour holds only the last bucket; its rate is per second of its minute.
        var query = engine.Services.GetRequiredService<ThroughputQuery>();
        var series = Assert.Single(await query.GetLastHourAsync(Viewer, subscriptionId, ct));
        Assert.Equal(600, series.TotalEvents);
        Assert.Equal(10, series.Points.Single(p => p.Events > 0).EventsPerSecond);
        Assert.Equal(10, series.PeakEventsPerSecond);

        await engine.Services.GetRequiredService<SubscriptionService>().DropSubscriptionAsync(Operator, subscriptionId, ct);
        Assert.Equal(0, await ScalarAsync(engine, "SELECT count(*) FROM ferry.throughput_buckets"));
        var gone = await Assert.ThrowsAsync<ReplicationRefusedException>(() => query.GetLastHourAsync(Viewer, subscriptionId, ct));
        Assert.StartsWith("There is no subscription", gone.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<AccessDeniedException>(() => query.GetLastHourAsync(new(), null, ct));
    }

    private static async Task<long> LoginsAsync(NpgsqlDataSource target)
    {
        await using var command = target.CreateCommand("SELECT coalesce(sum(login_count), 0) FROM digoal_01.user_session");
        return Convert.ToInt64(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken),
            System.Globalization.CultureInfo.InvariantCulture);
    }

    private static long Total(IReadOnlyList<SubscriptionThroughput> hour) => hour.Sum(s => s.TotalEvents);

    /// <summary>A source and a target on 15 with user_session replicated and ok, its loops running.</summary>
    private async Task<(ReplicationTestEnvironment, NpgsqlDataSource, NpgsqlDataSource, int)> StartAsync(string name, CancellationToken ct)
    {
        var cluster = (await clusters.GetAsync(15)).ConnectionString();
        var sourceCs = await SeedScenario.CreateSourceAsync(cluster, $"tp_{name}_src", "digoal_01", "pw1", 100, ct);
        var targetCs = await SeedScenario.CreateTargetAsync(cluster, $"tp_{name}_t", "digoal_01", "pw1", allTables: true, ct);
        var engine = await ReplicationTestEnvironment.StartAsync(await clusters.CreateDatabaseAsync(15, $"tp_{name}_control"), ct);
        var sets = engine.Services.GetRequiredService<SetService>();
        var subscriptions = engine.Services.GetRequiredService<SubscriptionService>();
        var tableRules = engine.Services.GetRequiredService<TableRuleService>();
        var set = await sets.CreateSetAsync(Operator, name, await engine.AddNodeAsync("source", sourceCs, ct), ct);
        var subscription = await subscriptions.SubscribeAsync(Operator, set.Id, await engine.AddNodeAsync("target", targetCs, ct), ct);
        await tableRules.AddTableAsync(Operator, subscription.Id, new AddTableRequest("digoal_01.user_session"), ct);
        var status = engine.Services.GetRequiredService<ReplicationStatusQuery>();
        await Eventually.WaitAsync(() => status.GetSubscriptionAsync(Operator, subscription.Id, ct),
            s => s.Tables.All(t => t.State == nameof(TableState.Ok)), TimeSpan.FromSeconds(30),
            s => string.Join(", ", s.Tables.Select(t => t.State)));
        return (engine, NpgsqlDataSource.Create(sourceCs), NpgsqlDataSource.Create(targetCs), subscription.Id);
    }

    private static async Task ExecuteAsync(NpgsqlDataSource data, string sql)
    {
        await using var command = data.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    private static async Task<long> ScalarAsync(ReplicationTestEnvironment engine, string sql)
    {
        await using var control = NpgsqlDataSource.Create(engine.ControlConnectionString);
        await using var command = control.CreateCommand(sql);
        var value = await command.ExecuteScalarAsync(TestContext.Current.CancellationToken);
        return Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);
    }
}
