using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Ferry.Portal.Hosting;
using Ferry.Portal.Tests.Api;
using Ferry.Portal.Tests.Replication;
using Ferry.Portal.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Ferry.Portal.Tests.Hosting;

/// <summary>
/// <c>ferry --demo</c> on a fresh data folder, as the built portal process: it creates its cluster and the seed databases,
/// sets the seed scenario up in Ferry (nodes, set, both subscriptions, target 2 filtered and renamed), replicates it to
/// <c>ok</c>, and keeps the seed workload writing so the dashboard moves.
/// </summary>
[Collection(ReplicationPortalCollection.Name)]
public sealed partial class DemoPortalTests : IAsyncLifetime
{
    private readonly string _dataRoot = Path.Combine(Path.GetTempPath(), $"ferry-demo-test-{Guid.NewGuid():N}");

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Demo_BuildsTheSeedSet_ReplicatesIt_AndKeepsAWorkloadRunning()
    {
        var port = FreePort();
        var environment = new Dictionary<string, string>
        {
            ["FERRY_DATA"] = _dataRoot,
            ["FERRY_ADMIN_USER"] = PortalFactory.AdminUser,
            ["FERRY_ADMIN_PASSWORD"] = PortalFactory.AdminPassword,
            ["Demo__Users"] = "2000",
            ["Demo__WorkloadPause"] = "00:00:00.020",
            ["Replication__ControlPollInterval"] = "00:00:00.300",
        };
        await using var portal = PortalProcess.Start(environment, $"http://127.0.0.1:{port}", "--demo");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await EventuallyAsync(async () =>
        {
            try
            {
                using var health = await http.GetAsync("/healthz", Token);
                return health.StatusCode == HttpStatusCode.OK;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, TimeSpan.FromMinutes(3), () => "the portal did not become healthy\n" + portal.Tail);
        using (var login = await http.PostAsJsonAsync("/api/auth/token",
                   new { userName = PortalFactory.AdminUser, password = PortalFactory.AdminPassword }, Token))
        {
            var token = (await ApiClient.JsonAsync(login)).GetProperty("accessToken").GetString();
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        JsonElement status = default;
        await EventuallyAsync(async () =>
        {
            using var response = await http.GetAsync("/api/status", Token);
            status = await ApiClient.JsonAsync(response);
            // Target 1 also takes the two keyless log tables, with the append handler.
            return status.GetArrayLength() == 2 && status.EnumerateArray().All(s =>
                s.GetProperty("tables").GetArrayLength() == (s.GetProperty("targetNodeName").GetString() == "target1" ? 4 : 2)
                && s.GetProperty("tables").EnumerateArray().All(t => t.GetProperty("state").GetString() == "Ok"));
        }, TimeSpan.FromMinutes(2), () => $"the demo set did not reach ok: {status}\n{portal.Tail}");

        var byTarget = status.EnumerateArray().ToDictionary(s => s.GetProperty("targetNodeName").GetString()!);
        Assert.Equal(["target1", "target2"], byTarget.Keys.Order());
        Assert.All(byTarget.Values, s => Assert.Equal("seed", s.GetProperty("setName").GetString()));
        Assert.All(byTarget["target2"].GetProperty("tables").EnumerateArray(), t =>
        {
            Assert.Equal("userid <= 1000", t.GetProperty("filter").GetString());
            Assert.StartsWith("\"digoal_02\".", t.GetProperty("target").GetString(), StringComparison.Ordinal);
        });
        Assert.Equal(2, byTarget["target1"].GetProperty("sequences").GetArrayLength());
        using (var nodes = await http.GetAsync("/api/nodes", Token))
        {
            var schemas = (await ApiClient.JsonAsync(nodes)).EnumerateArray().ToDictionary(
                n => n.GetProperty("name").GetString()!, n => n.GetProperty("targetSchemas").ToString());
            Assert.Equal("[\"digoal_02\"]", schemas["target2"]);
        }

        // The workload writes on the source, and target 2 holds only its users 1..1000.
        var credentials = await File.ReadAllTextAsync(Path.Combine(_dataRoot, "demo-credentials"), Token);
        var clusterPort = int.Parse(ClusterPort().Match(credentials).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var source = Connection(credentials, "source", clusterPort);
        var logins = await ScalarAsync(source, "SELECT count(*) FROM digoal_01.user_login_rec");
        await EventuallyAsync(async () => await ScalarAsync(source, "SELECT count(*) FROM digoal_01.user_login_rec") > logins,
            TimeSpan.FromSeconds(30), () => "the demo workload does not write\n" + portal.Tail);
        var target2 = Connection(credentials, "target 2", clusterPort);
        Assert.Equal(0, await ScalarAsync(target2, "SELECT count(*) FROM digoal_02.user_info WHERE userid > 1000"));
        Assert.Equal(1000, await ScalarAsync(target2, "SELECT count(*) FROM digoal_02.user_info"));
        // Target 1's log tables follow the workload's inserts (append handler).
        Assert.Equal(["append", "append"], byTarget["target1"].GetProperty("tables").EnumerateArray()
            .Where(t => t.GetProperty("source").GetString()!.Contains("_rec", StringComparison.Ordinal))
            .Select(t => t.GetProperty("handler").GetString()));
        var target1 = Connection(credentials, "target 1", clusterPort);
        var loginsNow = await ScalarAsync(source, "SELECT count(*) FROM digoal_01.user_login_rec");
        await EventuallyAsync(async () => await ScalarAsync(target1, "SELECT count(*) FROM digoal_01.user_login_rec") >= loginsNow,
            TimeSpan.FromSeconds(60), () => "target 1's user_login_rec does not follow the source\n" + portal.Tail);

        await portal.StopAsync();
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (File.Exists(Path.Combine(_dataRoot, "cluster", "PG_VERSION")))
        {
            // The portal stopped its cluster on the way out (or was killed): start it once more here to remove it.
            var configuration = new ConfigurationBuilder()
                .AddInMemoryCollection(new Dictionary<string, string?> { ["FERRY_DATA"] = _dataRoot })
                .Build();
            var embedded = await EmbeddedCluster.StartAsync(configuration, NullLogger.Instance, CancellationToken.None);
            await embedded.Cluster.RemoveAsync(CancellationToken.None);
        }
        if (Directory.Exists(_dataRoot))
        {
            Directory.Delete(_dataRoot, recursive: true);
        }
    }

    private static string Connection(string credentials, string which, int port)
    {
        var line = credentials.Split('\n').Single(l => l.StartsWith(which + " ", StringComparison.Ordinal));
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        string After(string word) => words[Array.IndexOf(words, word) + 1];
        return new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1", Port = port, Database = After("database"), Username = After("user"), Password = After("password"),
        }.ConnectionString;
    }

    private static async Task<long> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Token);
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(Token), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task EventuallyAsync(Func<Task<bool>> done, TimeSpan timeout, Func<string> why)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!await done())
        {
            Assert.True(clock.Elapsed < timeout, why());
            await Task.Delay(250, Token);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"port (\d+)\)")]
    private static partial Regex ClusterPort();
}
