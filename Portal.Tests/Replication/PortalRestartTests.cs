using System.Diagnostics;
using System.Security.Claims;
using Ferry.Engine.Control;
using Ferry.Engine.Demo;
using Ferry.Engine.Replication;
using Ferry.Portal.Jobs;
using Ferry.Portal.Tests.Support;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Ferry.Portal.Tests.Replication;

/// <summary>
/// Replication runs inside the portal (Hangfire jobs), survives the portal being stopped mid-replication (with a resync
/// copy just started and the workload still writing), resumes by itself when the portal starts again (here twice, two
/// processes on one control database, each loop running in exactly one), and converges with no lost and no duplicated rows.
/// </summary>
[Collection(ReplicationPortalCollection.Name)]
public sealed class PortalRestartTests
{
    private const string UserSessionColumns = "userid, logintime, login_count, logouttime, online_interval";
    private const string UserInfoColumns = "userid, engname, cnname, occupation, birthday, signname, email, qq, crt_time, mod_time";

    private static readonly ClaimsPrincipal Operator = new(new ClaimsIdentity(
        [new Claim(ClaimTypes.Name, "olga"), new Claim(ClaimTypes.Role, FerryRoles.Operator)], "test"));

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
                var service = first.Services.GetRequiredService<ReplicationService>();
                var set = await service.CreateSetAsync(Operator, "restart", await AddNodeAsync(first, "source", sourceCs), Token);
                var subscription = await service.SubscribeAsync(Operator, set.Id, await AddNodeAsync(first, "target", targetCs), Token);
                subscriptionId = subscription.Id;
                workload = WorkloadAsync(source, stop.Token);
                var info = await service.AddTableAsync(Operator, subscriptionId,
                    new AddTableRequest("digoal_01.user_info", "digoal_02.user_info", "userid <= 1500"), Token);
                await service.AddTableAsync(Operator, subscriptionId,
                    new AddTableRequest("digoal_01.user_session", "digoal_02.user_session", "userid <= 1500"), Token);
                await WaitAsync(first, s => s.Tables.Count == 2 && s.Tables.All(t => t.State == nameof(TableState.Ok)), "both tables ok");
                await WaitAsync(first, s => s.LastTick is not null && s.PendingEvents is not null, "batches applied");

                // Stop the portal with a copy just asked for and the workload writing.
                await service.ResyncTableAsync(Operator, subscriptionId, info.Id, Token);
            }
            var whileDown = Stopwatch.StartNew();
            // Two portals on the one control database: each loop runs in exactly one of them.
            await using (var second = new ReplicationPortalFactory(control, keys))
            await using (var third = new ReplicationPortalFactory(control, keys))
            {
                await Task.WhenAll(Task.Run(() => second.Services), Task.Run(() => third.Services));
                await WaitAsync(second, s => s.Tables.All(t => t.State == nameof(TableState.Ok)) && s.LagSeconds < 5, "caught up again");
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
                var expected = (await HashAsync(source, "digoal_01.user_info", UserInfoColumns),
                    await HashAsync(source, "digoal_01.user_session", UserSessionColumns));
                var clock = Stopwatch.StartNew();
                while (true)
                {
                    var actual = (await HashAsync(target, "digoal_02.user_info", UserInfoColumns, null),
                        await HashAsync(target, "digoal_02.user_session", UserSessionColumns, null));
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

    private static async Task WaitAsync(ReplicationPortalFactory portal, Func<SubscriptionStatus, bool> done, string what)
    {
        var query = portal.Services.GetRequiredService<ReplicationStatusQuery>();
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var status = (await query.GetStatusAsync(Operator, Token)).Single();
            if (done(status))
            {
                return;
            }
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60),
                $"not {what} within 60 s: {status.State} {status.LastError} lag {status.LagSeconds} "
                + string.Join(", ", status.Tables.Select(t => $"{t.Source}={t.State} {t.LastError}")));
            await Task.Delay(200, Token);
        }
    }

    private static async Task<int> AddNodeAsync(ReplicationPortalFactory portal, string name, string connectionString)
    {
        var parts = new NpgsqlConnectionStringBuilder(connectionString);
        var node = new Node
        {
            Name = name,
            Host = parts.Host!,
            Port = parts.Port,
            Database = parts.Database!,
            UserName = parts.Username!,
            ProtectedPassword = portal.Services.GetRequiredService<NodePasswordProtector>().Protect(parts.Password),
            SslMode = SslMode.Disable,
        };
        var contexts = portal.Services.GetRequiredService<IDbContextFactory<ControlDbContext>>();
        await using var context = await contexts.CreateDbContextAsync(Token);
        context.Nodes.Add(node);
        await context.SaveChangesAsync(Token);
        return node.Id;
    }

    private static async Task<long> WorkloadAsync(NpgsqlDataSource source, CancellationToken stop)
    {
        var random = new Random(5);
        long calls = 0;
        await using var connection = await source.OpenConnectionAsync(CancellationToken.None);
        while (!stop.IsCancellationRequested)
        {
            await using var command = new NpgsqlCommand(random.Next(2) == 0
                ? "SELECT digoal_01.f_user_login($1)"
                : "SELECT digoal_01.f_user_logout($1)", connection);
            command.Parameters.Add(new NpgsqlParameter { Value = random.Next(1, 2001) });
            await command.ExecuteNonQueryAsync(CancellationToken.None);
            calls++;
            await Task.Delay(2, CancellationToken.None);
        }
        return calls;
    }

    private static async Task<string> HashAsync(NpgsqlDataSource data, string table, string columns, string? where = "userid <= 1500")
    {
        await using var command = data.CreateCommand(
            $"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY userid), '')) || ':' || count(*) FROM (SELECT {columns} FROM {table}"
            + (where is null ? "" : " WHERE " + where) + ") t");
        return (string)(await command.ExecuteScalarAsync(Token))!;
    }
}

/// <summary>Portals with a running Hangfire server: one at a time, never beside another test host.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ReplicationPortalCollection
{
    public const string Name = "replication-portal";
}
