using Ferry.Engine.Demo;
using Ferry.Engine.Replication;
using Ferry.Engine.Replication.Compare;
using Ferry.Engine.Replication.Tables;
using Ferry.Engine.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using static Ferry.Engine.Tests.Replication.ServiceScenario;

namespace Ferry.Engine.Tests.Replication;

/// <summary>
/// The seed's keyless log tables replicate with the append handler under the seed workload, on the real queue, 13 -> 18 and
/// 18 -> 13 (issue 11, docs/decisions/ADR-019-handlers.md): copied, then every insert exactly once; an UPDATE of one of them
/// on the source stops that table alone in error with the promised message; a resync brings it back equal.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class AppendReplicationTests(ClusterFixture clusters)
{
    private const string Login = "digoal_01.user_login_rec";
    private const string Logout = "digoal_01.user_logout_rec";
    private const string LoginColumns = "userid, login_time, ip";
    private const string LogoutColumns = "userid, logout_time, ip";

    public static TheoryData<int, int> Pairs => new() { { 13, 18 }, { 18, 13 } };

    [Theory]
    [MemberData(nameof(Pairs))]
    public async Task SeedLogTables_ReplicateWithAppend_UnderTheWorkload_AndAnUpdateStopsOnlyThatTable(int sourceMajor, int targetMajor)
    {
        var ct = TestContext.Current.CancellationToken;
        var name = $"append_{sourceMajor}_{targetMajor}";
        var sourceCs = await SeedScenario.CreateSourceAsync(
            (await clusters.GetAsync(sourceMajor)).ConnectionString(), name + "_src", "digoal_01", "pw1", 300, ct);
        var targetCs = await SeedScenario.CreateTargetAsync(
            (await clusters.GetAsync(targetMajor)).ConnectionString(), name + "_t", "digoal_01", "pw1", allTables: true, ct);
        await using var scenario = await StartOnAsync(clusters, name, name, sourceCs, targetCs);
        // Rows before the copy, and the workload running through the copy and the handover.
        await ExecuteAsync(scenario.Source, "SELECT digoal_01.f_user_login(g) FROM generate_series(1, 200) g");
        using var stop = new CancellationTokenSource();
        var workload = Task.Run(() => SeedScenario.WorkloadAsync(scenario.Source, "digoal_01", stop.Token, pause: TimeSpan.FromMilliseconds(1)), ct);

        var ids = new List<int>();
        foreach (var table in new[] { Login, Logout })
        {
            var added = await scenario.Service.AddTableAsync(Operator, scenario.SubscriptionId, new AddTableRequest(table, Handler: "append"), ct);
            Assert.Equal("append", added.Handler);
            ids.Add(added.Id);
        }
        await scenario.WaitOkAsync(Login);
        await scenario.WaitOkAsync(Logout);
        await Eventually.WaitAsync(() => ScalarAsync<long>(scenario.Source, $"SELECT count(*) FROM {Logout}"), n => n >= 50,
            TimeSpan.FromSeconds(60), n => $"the workload wrote only {n} logouts");
        stop.Cancel();
        Assert.True(await workload > 0);
        await scenario.WaitEqualAsync(Login, Login, LoginColumns, LoginColumns);
        await scenario.WaitEqualAsync(Logout, Logout, LogoutColumns, LogoutColumns);
        // A compare matches rows by key: a keyless table is refused with the reason, not failed.
        var noKey = await Assert.ThrowsAsync<ReplicationRefusedException>(() => scenario.Engine.Services.GetRequiredService<CompareService>()
            .StartCompareAsync(Operator, scenario.SubscriptionId, ids[0], ct));
        Assert.Contains("has no key", noKey.Message, StringComparison.Ordinal);

        // An UPDATE of one log table: that table stops with the promised message; the other one goes on.
        await ExecuteAsync(scenario.Source, $"UPDATE {Login} SET ip = '10.9.9.9' WHERE userid = 7");
        var stopped = await scenario.WaitTableAsync(Login, t => t.State == "Error");
        Assert.Contains("had an UPDATE on the source", stopped.LastError, StringComparison.Ordinal);
        Assert.Contains("applies inserts only", stopped.LastError, StringComparison.Ordinal);
        Assert.Contains("resync the table", stopped.LastError, StringComparison.Ordinal);
        await ExecuteAsync(scenario.Source, "SELECT digoal_01.f_user_logout(g) FROM generate_series(1, 30) g");
        await scenario.WaitEqualAsync(Logout, Logout, LogoutColumns, LogoutColumns);
        Assert.Equal("Ok", (await scenario.WaitTableAsync(Logout, _ => true)).State);
        Assert.Equal(0L, await ScalarAsync<long>(scenario.Target, $"SELECT count(*) FROM {Login} WHERE ip = '10.9.9.9'"));

        // What the message says to do: a resync copies it again, and inserts follow as before.
        await scenario.Service.ResyncTableAsync(Operator, scenario.SubscriptionId, stopped.Id, ct);
        await scenario.WaitOkAsync(Login);
        await ExecuteAsync(scenario.Source, "SELECT digoal_01.f_user_login(g) FROM generate_series(1, 20) g");
        await scenario.WaitEqualAsync(Login, Login, LoginColumns, LoginColumns);
    }
}
