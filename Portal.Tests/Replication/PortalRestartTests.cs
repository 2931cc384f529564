using System.Diagnostics;
using Ferry.Engine.Control;
using Ferry.Engine.Demo;
using Ferry.Engine.Replication;
using Ferry.Engine.Replication.Sets;
using Ferry.Engine.Replication.Status;
using Ferry.Engine.Replication.Subscriptions;
using Ferry.Engine.Replication.Tables;
using Ferry.Engine.Target;
using Ferry.Portal.Jobs;
using Ferry.Portal.Tests.Support;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static Ferry.Portal.Tests.Replication.SeedReplication;

namespace Ferry.Portal.Tests.Replication;

/// <summary>
/// Replication runs inside the portal (Hangfire jobs), survives the portal being stopped mid-replication (with a resync
/// copy just started and the workload still writing), resumes by itself when the portal starts again (here twice, two
/// processes on one control database, each loop running in exactly one), and converges with no lost and no duplicated rows.
/// </summary>
[Collection(ReplicationPortalCollection.Name)]
public sealed class PortalRestartTests
{
    private const string Filter = "userid <= 1500";

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Replication_ResumesByItself_AndConverges_AfterThePortalRestarts()
    {
        await using var postgres = await TestPostgres.StartAsync();
        var superuser = postgres.Cluster.ConnectionString();
        var sourceCs = await SeedScenario.CreateSourceAsync(superuser, "restart_src", "digoal_01", "pw1", 2000, Token);
        var targetCs = await SeedScenario.CreateTargetAsync(superuser, "restart_t", "digoal_02", "pw2", allTables: false, Token);
        var control = postgres.ConnectionStringFor("ferry_restart_control");
        var keys = Path.Combine(Path.GetTempPath(), $"ferry-restart-keys-{Guid.NewGuid():N}");
        await using var source = NpgsqlDataSource.Create(sourceCs);
        await using var target = NpgsqlDataSource.Create(targetCs);
        using var stop = new CancellationTokenSource();
        Task<long> workload;
        int subscriptionId;
        try
        {
            await using (var first = new ReplicationPortalFactory(control, keys))
            {
                var sets = first.Services.GetRequiredService<SetService>();
                var subscriptions = first.Services.GetRequiredService<SubscriptionService>();
                var tableRules = first.Services.GetRequiredService<TableRuleService>();
                var set = await sets.CreateSetAsync(Operator, "restart", await AddNodeAsync(first.Services, "source", sourceCs), Token);
                var subscription = await subscriptions.SubscribeAsync(Operator, set.Id, await AddNodeAsync(first.Services, "target", targetCs), Token);
                subscriptionId = subscription.Id;
                workload = WorkloadAsync(source, 5, stop.Token);
                var info = await tableRules.AddTableAsync(Operator, subscriptionId,
                    new AddTableRequest("digoal_01.user_info", "digoal_02.user_info", Filter), Token);
                await tableRules.AddTableAsync(Operator, subscriptionId,
                    new AddTableRequest("digoal_01.user_session", "digoal_02.user_session", Filter), Token);
                await WaitAsync(first.Services.GetRequiredService<ReplicationStatusQuery>(), s => s.Tables.Count == 2 && s.Tables.All(t => t.State == nameof(TableState.Ok)), "both tables ok");
                await WaitAsync(first.Services.GetRequiredService<ReplicationStatusQuery>(), s => s.LastTick is not null && s.PendingEvents is not null, "batches applied");

                // Stop the portal with a copy just asked for and the workload writing.
                await tableRules.ResyncTableAsync(Operator, subscriptionId, info.Id, Token);
            }
            var whileDown = Stopwatch.StartNew();
            // Two portals on the one control database: each loop runs in exactly one of them.
            await using (var second = new ReplicationPortalFactory(control, keys))
            await using (var third = new ReplicationPortalFactory(control, keys))
            {
                await Task.WhenAll(Task.Run(() => second.Services), Task.Run(() => third.Services));
                await WaitAsync(second.Services.GetRequiredService<ReplicationStatusQuery>(), s => s.Tables.All(t => t.State == nameof(TableState.Ok)) && s.LagSeconds < 5, "caught up again");
                var monitoring = second.Services.GetRequiredService<JobStorage>().GetMonitoringApi();
                var clockJobs = Stopwatch.StartNew();
                while (true)
                {
                    var running = monitoring.ProcessingJobs(0, 100).Select(j => j.Value.Job.Type.Name).ToList();
                    if (running.Count(n => n == nameof(ApplyLoopJob)) == 1 && running.Count(n => n == nameof(TickerJob)) == 1)
                    {
                        break;
                    }
                    Assert.True(clockJobs.Elapsed < TimeSpan.FromSeconds(20), $"processing jobs: {string.Join(", ", running)}");
                    await Task.Delay(200, Token);
                }
                await stop.CancelAsync();
                Assert.True(await workload > 50, "too few workload calls ran");
                var expected = (await HashAsync(source, "digoal_01.user_info", UserInfoColumns, Filter),
                    await HashAsync(source, "digoal_01.user_session", UserSessionColumns, Filter));
                var clock = Stopwatch.StartNew();
                while (true)
                {
                    var actual = (await HashAsync(target, "digoal_02.user_info", UserInfoColumns),
                        await HashAsync(target, "digoal_02.user_session", UserSessionColumns));
                    if (actual == expected)
                    {
                        break;
                    }
                    Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"expected {expected}, target has {actual}");
                    await Task.Delay(200, Token);
                }
                var status = await second.Services.GetRequiredService<ReplicationStatusQuery>()
                    .GetSubscriptionAsync(Operator, subscriptionId, Token);
                Assert.Equal(nameof(SubscriptionState.Active), status.State);
                TestContext.Current.TestOutputHelper?.WriteLine($"converged {whileDown.Elapsed.TotalSeconds:F1} s after the restart began");
            }
        }
        finally
        {
            await stop.CancelAsync();
            if (Directory.Exists(keys))
            {
                Directory.Delete(keys, recursive: true);
            }
        }
    }
}

/// <summary>Portals with a running Hangfire server: one at a time, never beside another test host.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ReplicationPortalCollection
{
    public const string Name = "replication-portal";
}
