using System.Security.Claims;
using Ferry.Engine.Control;
using Ferry.Engine.Demo;
using Ferry.Engine.Replication;
using Ferry.Portal.Tests.Support;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Ferry.Portal.Tests.Replication;

/// <summary>
/// The portal process killed (SIGKILL) in the middle of replication, with the workload writing: started again, it resumes
/// by itself (the dead process's loop locks went with its sessions; the supervisor runs at startup) and the target
/// converges with no lost and no duplicated rows. The test drives the service layer from an engine of its own on the same
/// control database and keys, as a second portal would.
/// </summary>
[Collection(ReplicationPortalCollection.Name)]
public sealed class PortalKillTests
{
    private const string Columns = "userid, logintime, login_count, logouttime, online_interval";

    private static readonly ClaimsPrincipal Operator = new(new ClaimsIdentity(
        [new Claim(ClaimTypes.Name, "olga"), new Claim(ClaimTypes.Role, FerryRoles.Operator)], "test"));

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
        var keys = Path.Combine(data.FullName, "keys");
        await using var source = NpgsqlDataSource.Create(sourceCs);
        await using var target = NpgsqlDataSource.Create(targetCs);
        using var stop = new CancellationTokenSource();
        try
        {
            await using var engine = await StartEngineAsync(control, keys);
            var service = engine.GetRequiredService<ReplicationService>();
            var status = engine.GetRequiredService<ReplicationStatusQuery>();
            var set = await service.CreateSetAsync(Operator, "kill", await AddNodeAsync(engine, "source", sourceCs), Token);
            var subscription = await service.SubscribeAsync(Operator, set.Id, await AddNodeAsync(engine, "target", targetCs), Token);
            await service.AddTableAsync(Operator, subscription.Id, new AddTableRequest("digoal_01.user_session"), Token);
            var workload = WorkloadAsync(source, stop.Token);
            var environment = new Dictionary<string, string>
            {
                ["ConnectionStrings__Control"] = control,
                ["Jobs__RunServer"] = "true",
                ["DataProtection__KeysDirectory"] = keys,
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
                    "the table ok in the first portal", first);
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
                await WaitAsync(status, s => s.LagSeconds < 3, "caught up in the second portal", second);
                await stop.CancelAsync();
                Assert.True(await workload > 50, "too few workload calls ran");
                var expected = await HashAsync(source);
                var clock = System.Diagnostics.Stopwatch.StartNew();
                string actual;
                while ((actual = await HashAsync(target)) != expected)
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

    private static async Task<ServiceProvider> StartEngineAsync(string control, string keys)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Control"] = control })
            .Build();
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging()
            .AddFerryEngine(configuration);
        // The portal's key ring, so both sides read the node passwords.
        services.AddDataProtection().SetApplicationName("Ferry").PersistKeysToFileSystem(Directory.CreateDirectory(keys));
        var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<ControlDatabaseInitializer>().InitializeAsync(Token);
        return provider;
    }

    private static async Task WaitAsync(ReplicationStatusQuery status, Func<SubscriptionStatus, bool> done, string what, PortalProcess portal)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var current = (await status.GetStatusAsync(Operator, Token)).Single();
            if (done(current))
            {
                return;
            }
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60),
                $"not {what} within 60 s: {current.State} {current.LastError} lag {current.LagSeconds} "
                + string.Join(", ", current.Tables.Select(t => $"{t.Source}={t.State} {t.LastError}")) + "\n" + portal.Tail);
            await Task.Delay(200, Token);
        }
    }

    private static async Task<int> AddNodeAsync(ServiceProvider engine, string name, string connectionString)
    {
        var parts = new NpgsqlConnectionStringBuilder(connectionString);
        var node = new Node
        {
            Name = name,
            Host = parts.Host!,
            Port = parts.Port,
            Database = parts.Database!,
            UserName = parts.Username!,
            ProtectedPassword = engine.GetRequiredService<NodePasswordProtector>().Protect(parts.Password),
            SslMode = SslMode.Disable,
        };
        var contexts = engine.GetRequiredService<IDbContextFactory<ControlDbContext>>();
        await using var context = await contexts.CreateDbContextAsync(Token);
        context.Nodes.Add(node);
        await context.SaveChangesAsync(Token);
        return node.Id;
    }

    private static async Task<long> WorkloadAsync(NpgsqlDataSource source, CancellationToken stop)
    {
        var random = new Random(9);
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

    private static async Task<string> HashAsync(NpgsqlDataSource data)
    {
        await using var command = data.CreateCommand(
            $"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY userid), '')) || ':' || count(*) FROM (SELECT {Columns} "
            + "FROM digoal_01.user_session) t");
        return (string)(await command.ExecuteScalarAsync(Token))!;
    }
}
