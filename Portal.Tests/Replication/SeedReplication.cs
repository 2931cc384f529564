using System.Diagnostics;
using System.Security.Claims;
using Ferry.Engine.Control;
using Ferry.Engine.Demo;
using Ferry.Engine.Replication.Status;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Ferry.Portal.Tests.Replication;

/// <summary>
/// What the portal-process replication tests share over the seed scenario: an Operator, nodes written straight into the
/// control database, the login/logout workload, an ordered hash of a table and a wait on the subscription's status.
/// </summary>
internal static class SeedReplication
{
    public const string UserSessionColumns = "userid, logintime, login_count, logouttime, online_interval";
    public const string UserInfoColumns = "userid, engname, cnname, occupation, birthday, signname, email, qq, crt_time, mod_time";

    public static readonly ClaimsPrincipal Operator = new(new ClaimsIdentity(
        [new Claim(ClaimTypes.Name, "olga"), new Claim(ClaimTypes.Role, FerryRoles.Operator)], "test"));

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>
    /// Adds a node (password protected with the given services' key ring), installs Ferry there as an Admin's Install does
    /// (an Operator's set or subscription needs it), and returns its id. <paramref name="install"/> false saves the node only
    /// (one that does not answer, for instance).
    /// </summary>
    public static async Task<int> AddNodeAsync(IServiceProvider services, string name, string connectionString, bool install = true)
    {
        if (install)
        {
            await using var data = NpgsqlDataSource.Create(connectionString);
            await Ferry.Engine.Queue.QueueSchema.InstallAsync(data, Token);
        }
        var parts = new NpgsqlConnectionStringBuilder(connectionString);
        var node = new Node
        {
            Name = name,
            Host = parts.Host!,
            Port = parts.Port,
            Database = parts.Database!,
            UserName = parts.Username!,
            ProtectedPassword = services.GetRequiredService<NodePasswordProtector>().Protect(parts.Password),
            SslMode = SslMode.Disable,
        };
        var contexts = services.GetRequiredService<IDbContextFactory<ControlDbContext>>();
        await using var context = await contexts.CreateDbContextAsync(Token);
        context.Nodes.Add(node);
        await context.SaveChangesAsync(Token);
        return node.Id;
    }

    /// <summary>The seed workload on schema digoal_01 (see <see cref="SeedScenario.WorkloadAsync"/>).</summary>
    public static Task<long> WorkloadAsync(NpgsqlDataSource source, int seed, CancellationToken stop) =>
        SeedScenario.WorkloadAsync(source, "digoal_01", stop, seed);

    /// <summary>md5 of the rows in key order, and their count.</summary>
    public static async Task<string> HashAsync(NpgsqlDataSource data, string table, string columns, string? where = null)
    {
        await using var command = data.CreateCommand(
            $"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY userid), '')) || ':' || count(*) FROM (SELECT {columns} FROM {table}"
            + (where is null ? "" : " WHERE " + where) + ") t");
        return (string)(await command.ExecuteScalarAsync(Token))!;
    }

    /// <summary>
    /// Waits (120 s at most) until the only subscription is as asked; the failure says what it was, and <paramref name="tail"/>.
    /// The limit includes a portal process's start, which took 35 s on this shared 2-core machine under load.
    /// </summary>
    public static async Task WaitAsync(
        ReplicationStatusQuery status, Func<SubscriptionStatus, bool> done, string what, Func<string>? tail = null)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var current = (await status.GetStatusAsync(Operator, Token)).Single();
            if (done(current))
            {
                return;
            }
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(120),
                $"not {what} within 120 s: {current.State} {current.LastError} lag {current.LagSeconds} "
                + string.Join(", ", current.Tables.Select(t => $"{t.Source}={t.State} {t.LastError}")) + "\n" + tail?.Invoke());
            await Task.Delay(200, Token);
        }
    }
}
