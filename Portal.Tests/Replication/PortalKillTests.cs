using Ferry.Engine.Control;
using Ferry.Engine.Demo;
using Ferry.Engine.Replication;
using Ferry.Engine.Replication.Sets;
using Ferry.Engine.Replication.Status;
using Ferry.Engine.Replication.Subscriptions;
using Ferry.Engine.Replication.Tables;
using Ferry.Engine.Target;
using Ferry.Portal.Security;
using Ferry.Portal.Tests.Support;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static Ferry.Portal.Tests.Replication.SeedReplication;

namespace Ferry.Portal.Tests.Replication;

/// <summary>
/// The portal process killed (SIGKILL) in the middle of replication, with the workload writing: started again, it resumes
/// by itself (the dead process's loop locks went with its sessions; the supervisor runs at startup) and the target
/// converges with no lost and no duplicated rows. The test drives the service layer from an engine of its own on the same
/// control database and key ring, as a second portal would.
/// </summary>
[Collection(ReplicationPortalCollection.Name)]
public sealed class PortalKillTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task KilledPortal_StartedAgain_ResumesAndConverges()
    {
        await using var postgres = await TestPostgres.StartAsync();
        var superuser = postgres.Cluster.ConnectionString();
        var sourceCs = await SeedScenario.CreateSourceAsync(superuser, "kill_src", "digoal_01", "pw1", 2000, Token);
        var targetCs = await SeedScenario.CreateTargetAsync(superuser, "kill_t", "digoal_01", "pw1", allTables: true, Token);
        var control = postgres.ConnectionStringFor("ferry_kill_control");
        var data = Directory.CreateTempSubdirectory("ferry-kill-");
        await using var source = NpgsqlDataSource.Create(sourceCs);
        await using var target = NpgsqlDataSource.Create(targetCs);
        using var stop = new CancellationTokenSource();
        try
        {
            await using var engine = await StartEngineAsync(control, data.FullName);
            var sets = engine.GetRequiredService<SetService>();
            var subscriptions = engine.GetRequiredService<SubscriptionService>();
            var tableRules = engine.GetRequiredService<TableRuleService>();
            var status = engine.GetRequiredService<ReplicationStatusQuery>();
            var set = await sets.CreateSetAsync(Operator, "kill", await AddNodeAsync(engine, "source", sourceCs), Token);
            var subscription = await subscriptions.SubscribeAsync(Operator, set.Id, await AddNodeAsync(engine, "target", targetCs), Token);
            await tableRules.AddTableAsync(Operator, subscription.Id, new AddTableRequest("digoal_01.user_session"), Token);
            var workload = WorkloadAsync(source, 9, stop.Token);
            var environment = new Dictionary<string, string>
            {
                ["ConnectionStrings__Control"] = control,
                ["Jobs__RunServer"] = "true",
                ["FERRY_DATA"] = data.FullName,
                ["FERRY_ADMIN_USER"] = PortalFactory.AdminUser,
                ["FERRY_ADMIN_PASSWORD"] = PortalFactory.AdminPassword,
                ["Replication__ControlPollInterval"] = "00:00:00.300",
                ["Replication__InitialBackoff"] = "00:00:00.200",
                ["Replication__LockWait"] = "00:00:01",
            };

            await using (var first = PortalProcess.Start(environment))
            {
                await WaitAsync(status, s => s.Tables.All(t => t.State == nameof(TableState.Ok)) && s.LastTick is not null,
                    "the table ok in the first portal", () => first.Tail);
                await first.KillAsync();
            }
            // Work only the next portal can apply.
            for (var user = 1; user <= 20; user++)
            {
                await using var logout = source.CreateCommand($"SELECT digoal_01.f_user_logout({user})");
                await logout.ExecuteNonQueryAsync(Token);
            }
            await using (var second = PortalProcess.Start(environment))
            {
                await WaitAsync(status, s => s.LagSeconds < 3, "caught up in the second portal", () => second.Tail);
                await stop.CancelAsync();
                Assert.True(await workload > 50, "too few workload calls ran");
                var expected = await Hash(source);
                var clock = System.Diagnostics.Stopwatch.StartNew();
                string actual;
                while ((actual = await Hash(target)) != expected)
                {
                    Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"expected {expected}, target {actual}\n{second.Tail}");
                    await Task.Delay(200, Token);
                }
            }
        }
        finally
        {
            await stop.CancelAsync();
            data.Delete(recursive: true);
        }
    }

    private static async Task<ServiceProvider> StartEngineAsync(string control, string data)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Control"] = control })
            .Build();
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging()
            .AddFerryEngine(configuration);
        // The portal's key ring (in the control database, its key-encryption key in the data folder), so both sides read the
        // node passwords.
        services.AddFerryKeyRing(configuration, data);
        var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<ControlDatabaseInitializer>().InitializeAsync(Token);
        await provider.GetRequiredService<KeyRingInitializer>().InitializeAsync(Token);
        return provider;
    }

    private static Task<string> Hash(NpgsqlDataSource data) =>
        HashAsync(data, "digoal_01.user_session", UserSessionColumns);
}
