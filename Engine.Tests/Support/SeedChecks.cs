using Ferry.Engine.Demo;
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

    /// <summary>The seed workload on schema digoal_01 (see <see cref="SeedScenario.WorkloadAsync"/>).</summary>
    /// <returns>The number of calls made.</returns>
    public static Task<long> WorkloadAsync(NpgsqlDataSource source, CancellationToken stop, int seed = 13) =>
        SeedScenario.WorkloadAsync(source, "digoal_01", stop, seed);

    /// <summary>Ordered hash of the given columns of a table (ordered by userid), optionally over the rows of a filter.</summary>
    public static async Task<string> HashAsync(NpgsqlDataSource data, string table, string columns, string? where = null)
    {
        await using var connection = await data.OpenConnectionAsync(TestContext.Current.CancellationToken);
        return await TestCapture.HashAsync(connection, table, columns, "userid", where);
    }
}
