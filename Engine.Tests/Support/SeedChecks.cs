using Ferry.Engine.Tests.Apply;
using Npgsql;

namespace Ferry.Engine.Tests.Support;

/// <summary>What the seed scenario's end-to-end tests share: the column lists, the target 2 filter, the login/logout
/// workload and the ordered hash that compares a target table with the source.</summary>
internal static class SeedChecks
{
    public const string UserInfoColumns = "userid, engname, cnname, occupation, birthday, signname, email, qq, crt_time, mod_time";
    public const string UserSessionColumns = "userid, logintime, login_count, logouttime, online_interval";
    public const string Filter = "userid <= 1000";

    /// <summary>Calls f_user_login / f_user_logout (with nextval of their sequence) on random users of 1..2000 until stopped.</summary>
    /// <returns>The number of calls made.</returns>
    public static async Task<long> WorkloadAsync(NpgsqlDataSource source, CancellationToken stop, int seed = 13)
    {
        var random = new Random(seed);
        long calls = 0;
        await using var connection = await source.OpenConnectionAsync(CancellationToken.None);
        while (!stop.IsCancellationRequested)
        {
            await using var command = new NpgsqlCommand(random.Next(2) == 0
                ? "SELECT digoal_01.f_user_login($1), nextval('digoal_01.seq_login_id')"
                : "SELECT digoal_01.f_user_logout($1), nextval('digoal_01.seq_logout_id')", connection);
            command.Parameters.Add(new NpgsqlParameter { Value = random.Next(1, 2001) });
            await command.ExecuteNonQueryAsync(CancellationToken.None);
            calls++;
            await Task.Delay(2, CancellationToken.None);
        }
        return calls;
    }

    /// <summary>Ordered hash of the given columns of a table (ordered by userid), optionally over the rows of a filter.</summary>
    public static async Task<string> HashAsync(NpgsqlDataSource data, string table, string columns, string? where = null)
    {
        await using var connection = await data.OpenConnectionAsync(TestContext.Current.CancellationToken);
        return await TestCapture.HashAsync(connection, table, columns, "userid", where);
    }
}
