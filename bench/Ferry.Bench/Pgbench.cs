using System.Globalization;
using System.Text.RegularExpressions;

namespace Ferry.Bench;

/// <summary>The seed workload through pgbench: half the transactions log a random user in, half log one out.</summary>
internal static partial class Pgbench
{
    public static async Task<(string Login, string Logout)> WriteScriptsAsync(BenchEnv env, int users, CancellationToken ct)
    {
        var login = Path.Combine(env.WorkDirectory, "login.sql");
        var logout = Path.Combine(env.WorkDirectory, "logout.sql");
        var u = users.ToString(CultureInfo.InvariantCulture);
        await File.WriteAllTextAsync(login, $"""
            \set uid random(1, {u})
            SELECT nextval('digoal_01.seq_login_id');
            SELECT digoal_01.f_user_login(:uid);

            """, ct);
        await File.WriteAllTextAsync(logout, $"""
            \set uid random(1, {u})
            SELECT nextval('digoal_01.seq_logout_id');
            SELECT digoal_01.f_user_logout(:uid);

            """, ct);
        return (login, logout);
    }

    /// <summary>
    /// Runs pgbench for a duration (<c>-T</c>) or a transaction count per client (<c>-t</c>), at full speed or at
    /// <paramref name="rate"/> transactions a second (<c>-R</c>); returns TPS and transactions. With
    /// <paramref name="waitForFlush"/> false its sessions run with <c>synchronous_commit=off</c> (see BenchEnv.NoFlushWait).
    /// </summary>
    public static async Task<(double Tps, long Transactions)> RunAsync(
        BenchEnv env, int clients, int? seconds, int? transactionsPerClient, CancellationToken ct, bool waitForFlush = true, int? rate = null)
    {
        var (login, logout) = (Path.Combine(env.WorkDirectory, "login.sql"), Path.Combine(env.WorkDirectory, "logout.sql"));
        var args = new List<string>
        {
            "-h", "127.0.0.1", "-p", env.Source.Port.ToString(CultureInfo.InvariantCulture), "-U", BenchEnv.AppRole,
            "-n", "-M", "prepared", "-c", clients.ToString(CultureInfo.InvariantCulture), "-j", "2",
            "-f", login + "@1", "-f", logout + "@1",
        };
        if (seconds is { } s)
        {
            args.AddRange(["-T", s.ToString(CultureInfo.InvariantCulture)]);
        }
        else
        {
            args.AddRange(["-t", transactionsPerClient!.Value.ToString(CultureInfo.InvariantCulture)]);
        }
        if (rate is { } r)
        {
            args.AddRange(["-R", r.ToString(CultureInfo.InvariantCulture)]);
        }
        args.Add(BenchEnv.SourceDb);
        var limit = TimeSpan.FromSeconds((seconds ?? 0) + 60 + ((transactionsPerClient ?? 0) * clients / 200.0));
        var result = (await Proc.RunAsync(Path.Combine(env.PgBin, "pgbench"), args, limit, ct,
            new Dictionary<string, string> { ["PGPASSWORD"] = BenchEnv.AppPassword, ["PGOPTIONS"] = waitForFlush ? "" : BenchEnv.NoFlushWait }))
            .Check("pgbench");
        var tps = TpsPattern().Match(result.Output);
        var count = CountPattern().Match(result.Output);
        if (!tps.Success || !count.Success)
        {
            throw new BenchException("pgbench printed no tps line:\n" + result.Output);
        }
        var failed = FailedPattern().Match(result.Output);
        if (failed.Success && failed.Groups[1].Value != "0")
        {
            throw new BenchException("pgbench had failed transactions:\n" + ProcResult.Tail(result.Output, 20));
        }
        return (double.Parse(tps.Groups[1].Value, CultureInfo.InvariantCulture), long.Parse(count.Groups[1].Value, CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"tps = ([\d.]+) \(without initial connection time\)")]
    private static partial Regex TpsPattern();

    [GeneratedRegex(@"number of transactions actually processed: (\d+)")]
    private static partial Regex CountPattern();

    [GeneratedRegex(@"number of failed transactions: (\d+)")]
    private static partial Regex FailedPattern();
}
