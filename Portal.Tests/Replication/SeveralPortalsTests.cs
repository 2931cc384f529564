using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Ferry.Engine.Demo;
using Ferry.Portal.Tests.Support;
using Npgsql;

using static Ferry.Portal.Tests.Replication.SeedReplication;

namespace Ferry.Portal.Tests.Replication;

/// <summary>
/// Two portal processes (each with a data folder of its own, as on two machines) on one control database, with the seed
/// workload writing to the source (docs/decisions/ADR-008-shared-key-ring-and-loop-takeover.md): each loop (the set's ticker,
/// two apply loops) runs in exactly one of them; the one running loops is SIGKILLed three times (started again after the
/// first two) and the other takes its loops over within seconds; a token and a login cookie made by one work on the other;
/// node passwords saved through one are used by the other; at the end source and targets are equal (nothing lost, nothing
/// applied twice).
/// </summary>
[Collection(ReplicationPortalCollection.Name)]
public sealed class SeveralPortalsTests(ITestOutputHelper output)
{
    // The loops' advisory lock classes (Engine/Replication/Internal/LoopLock.cs).
    private const long TickerLockClass = 0x6672746b;
    private const long ApplyLockClass = 0x66726170;
    private const string Control = "ferry_multi_control";
    private const string Filter = "userid <= 1000";

    private static readonly TimeSpan TakeoverLimit = TimeSpan.FromSeconds(20);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TwoPortals_ShareTheLoops_OneTakesOverWithinSeconds_WhenTheOtherIsKilled()
    {
        var test = Stopwatch.StartNew();
        await using var postgres = await TestPostgres.StartAsync();
        var superuser = postgres.Cluster.ConnectionString();
        var sourceCs = await SeedScenario.CreateSourceAsync(superuser, "multi_src", "digoal_01", "pw1", 2000, Token);
        var target1Cs = await SeedScenario.CreateTargetAsync(superuser, "multi_t1", "digoal_01", "pw1", allTables: true, Token);
        var target2Cs = await SeedScenario.CreateTargetAsync(superuser, "multi_t2", "digoal_02", "pw2", allTables: false, Token);
        await using var cluster = NpgsqlDataSource.Create(superuser);
        await using var source = NpgsqlDataSource.Create(sourceCs);
        await using var target1 = NpgsqlDataSource.Create(target1Cs);
        await using var target2 = NpgsqlDataSource.Create(target2Cs);
        var folders = Directory.CreateTempSubdirectory("ferry-multi-");
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__Control"] = postgres.ConnectionStringFor(Control),
            ["FERRY_ADMIN_USER"] = PortalFactory.AdminUser,
            ["FERRY_ADMIN_PASSWORD"] = PortalFactory.AdminPassword,
            ["Replication__ControlPollInterval"] = "00:00:00.300",
            ["Replication__InitialBackoff"] = "00:00:00.200",
            ["Replication__LockWait"] = "00:00:01",
        };
        var a = new Portal("a", Path.Combine(folders.FullName, "a"), environment);
        var b = new Portal("b", Path.Combine(folders.FullName, "b"), environment);
        Portal[] portals = [a, b];
        using var stop = new CancellationTokenSource();
        var violations = new List<string>();
        Task<HashSet<string>>? sampler = null;
        Task<long>? workload = null;
        try
        {
            // The first process of the installation makes the key-encryption key; the other is given a copy, as the README says.
            output.WriteLine($"{test.Elapsed.TotalSeconds:0.0} s: databases ready");
            await a.StartAsync();
            Directory.CreateDirectory(b.DataFolder);
            File.Copy(a.KeyFile, b.KeyFile);
            await b.StartAsync();
            output.WriteLine($"{test.Elapsed.TotalSeconds:0.0} s: both portals started");

            // A token and a login cookie made by one process work on the other.
            var token = await TokenAsync(a);
            using (var response = await SendAsync(b, HttpMethod.Get, "/api/nodes", token))
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
            var cookie = await LoginCookieAsync(a);
            Assert.Equal(HttpStatusCode.OK, await PageStatusAsync(b, cookie));
            Assert.Equal(HttpStatusCode.Redirect, await PageStatusAsync(b, cookie: null));

            // Nodes (with their passwords), the set and both subscriptions, all through the first process.
            var sourceId = await CreateAsync(a, token, "/api/nodes", NodeRequest("source", sourceCs));
            var target1Id = await CreateAsync(a, token, "/api/nodes", NodeRequest("target1", target1Cs));
            var target2Id = await CreateAsync(a, token, "/api/nodes", NodeRequest("target2", target2Cs));
            var setId = await CreateAsync(a, token, "/api/sets", new { name = "multi", rootNodeId = sourceId });
            var to1 = await CreateAsync(a, token, $"/api/sets/{setId}/subscriptions", new { targetNodeId = target1Id });
            var to2 = await CreateAsync(a, token, $"/api/sets/{setId}/subscriptions", new { targetNodeId = target2Id });
            workload = WorkloadAsync(source, 17, stop.Token);
            await CreateAsync(a, token, $"/api/subscriptions/{to1}/tables", new { source = "digoal_01.user_session" });
            await CreateAsync(a, token, $"/api/subscriptions/{to2}/tables",
                new { source = "digoal_01.user_session", target = "digoal_02.user_session", filter = Filter });
            string[] loops = [$"ticker:{setId}", $"apply:{to1}", $"apply:{to2}"];
            await WaitForAsync(async () => await AllTablesOkAsync(b, token), "both subscriptions' tables ok", portals);
            output.WriteLine($"{test.Elapsed.TotalSeconds:0.0} s: tables ok");

            sampler = SampleAsync(cluster, portals, violations, stop.Token);
            var takeovers = new List<TimeSpan>();
            for (var round = 1; round <= 3; round++)
            {
                var runners = await RunnersAsync(cluster, portals, loops, among: portals);
                var victim = portals.MaxBy(p => runners.Values.Count(id => id == p.Id))!;
                var survivor = portals.Single(p => p != victim);
                var clock = Stopwatch.StartNew();
                await victim.KillAsync();
                await RunnersAsync(cluster, portals, loops, among: [survivor]);
                takeovers.Add(clock.Elapsed);
                var ran = runners.Values.Count(id => id == victim.Id);
                output.WriteLine($"{test.Elapsed.TotalSeconds:0.0} s: round {round}: killed {victim.Name} (ran {ran} of "
                    + $"{loops.Length} loops), {survivor.Name} ran them all after {clock.Elapsed.TotalSeconds:0.0} s");
                Assert.True(clock.Elapsed < TakeoverLimit, $"takeover took {clock.Elapsed}\n{survivor.Tail}");
                if (round < 3)
                {
                    await victim.StartAsync();
                    output.WriteLine($"{test.Elapsed.TotalSeconds:0.0} s: {victim.Name} started again");
                }
            }

            // The token made by the first process (since killed) still works; node passwords saved through the first are
            // read by the other (its loops connected with them, and so does a connection test).
            foreach (var portal in portals.Where(p => p.IsRunning))
            {
                using var check = await SendAsync(portal, HttpMethod.Post, $"/api/nodes/{target2Id}/check", token);
                var body = await check.Content.ReadAsStringAsync(Token);
                Assert.True(check.StatusCode == HttpStatusCode.OK, $"{portal.Name}: {(int)check.StatusCode} {body}");
                Assert.True(JsonDocument.Parse(body).RootElement.GetProperty("connected").GetBoolean(), $"{portal.Name}: {body}");
            }

            await stop.CancelAsync();
            Assert.True(await workload > 50, "too few workload calls ran");
            var expected1 = await HashAsync(source, "digoal_01.user_session", UserSessionColumns);
            var expected2 = await HashAsync(source, "digoal_01.user_session", UserSessionColumns, Filter);
            await WaitForAsync(async () =>
                    await HashAsync(target1, "digoal_01.user_session", UserSessionColumns) == expected1
                    && await HashAsync(target2, "digoal_02.user_session", UserSessionColumns) == expected2,
                "targets equal to the source", portals);
            Assert.Equal(
                ["ferry-apply on multi_t1", "ferry-apply on multi_t2", "ferry-ticker on multi_src"], (await sampler).Order(StringComparer.Ordinal));
            Assert.True(violations.Count == 0, string.Join('\n', violations.Take(10)));
            output.WriteLine($"{test.Elapsed.TotalSeconds:0.0} s: converged; takeovers: "
                + string.Join(", ", takeovers.Select(t => $"{t.TotalSeconds:0.0} s")));
        }
        finally
        {
            await stop.CancelAsync();
            foreach (var portal in portals)
            {
                await portal.DisposeAsync();
            }
            folders.Delete(recursive: true);
        }
    }

    /// <summary>
    /// Waits until every loop's lock is held by a session of one of <paramref name="among"/>, and returns which process holds
    /// each. A lock has one holder at most: that is the loop's only runner.
    /// </summary>
    private static async Task<Dictionary<string, int>> RunnersAsync(
        NpgsqlDataSource cluster, Portal[] portals, string[] loops, Portal[] among)
    {
        Dictionary<string, int> runners = [];
        await WaitForAsync(async () =>
        {
            runners = await HoldersAsync(cluster, among);
            return loops.All(runners.ContainsKey);
        }, $"every loop running in {string.Join(" or ", among.Select(p => p.Name))}", portals, TimeSpan.FromSeconds(60));
        return runners;
    }

    private static async Task<Dictionary<string, int>> HoldersAsync(NpgsqlDataSource cluster, Portal[] among)
    {
        var owners = SocketOwners.ByLocalPort(among.Where(p => p.IsRunning).Select(p => p.Id));
        await using var command = cluster.CreateCommand(
            "SELECT l.classid::bigint, l.objid::bigint, a.client_port FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            + "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 "
            + "AND l.database = (SELECT oid FROM pg_database WHERE datname = $1) AND l.classid::bigint IN ($2, $3)");
        command.Parameters.Add(new NpgsqlParameter { Value = Control });
        command.Parameters.Add(new NpgsqlParameter { Value = TickerLockClass });
        command.Parameters.Add(new NpgsqlParameter { Value = ApplyLockClass });
        var holders = new Dictionary<string, int>();
        await using var reader = await command.ExecuteReaderAsync(Token);
        while (await reader.ReadAsync(Token))
        {
            if (owners.TryGetValue(reader.GetInt32(2), out var owner))
            {
                holders[(reader.GetInt64(0) == TickerLockClass ? "ticker:" : "apply:") + reader.GetInt64(1)] = owner;
            }
        }
        return holders;
    }

    /// <summary>
    /// Until stopped, every 200 ms: the apply sessions on each target and the ticker's on the source must come from one live
    /// portal process at most (a second runner of a loop would show as a second process there).
    /// </summary>
    /// <returns>The loops whose sessions it saw (so that it cannot pass by seeing nothing).</returns>
    private static async Task<HashSet<string>> SampleAsync(
        NpgsqlDataSource cluster, Portal[] portals, List<string> violations, CancellationToken stop)
    {
        var seen = new HashSet<string>();
        while (!stop.IsCancellationRequested)
        {
            var owners = SocketOwners.ByLocalPort(portals.Where(p => p.IsRunning).Select(p => p.Id));
            await using (var command = cluster.CreateCommand(
                "SELECT datname, application_name, client_port FROM pg_stat_activity "
                + "WHERE (datname IN ('multi_t1', 'multi_t2') AND application_name = 'ferry-apply') "
                + "OR (datname = 'multi_src' AND application_name = 'ferry-ticker')"))
            {
                var sessions = new List<(string Loop, int Process)>();
                await using var reader = await command.ExecuteReaderAsync(CancellationToken.None);
                while (await reader.ReadAsync(CancellationToken.None))
                {
                    if (!reader.IsDBNull(2) && owners.TryGetValue(reader.GetInt32(2), out var owner))
                    {
                        sessions.Add(($"{reader.GetString(1)} on {reader.GetString(0)}", owner));
                    }
                }
                seen.UnionWith(sessions.Select(s => s.Loop));
                violations.AddRange(sessions.GroupBy(s => s.Loop).Where(g => g.Select(s => s.Process).Distinct().Count() > 1)
                    .Select(g => $"{DateTime.UtcNow:HH:mm:ss.fff} {g.Key} from processes "
                        + string.Join(", ", g.Select(s => s.Process).Distinct())));
            }
            await Task.Delay(200, CancellationToken.None);
        }
        return seen;
    }

    private static async Task<bool> AllTablesOkAsync(Portal portal, string token)
    {
        using var response = await SendAsync(portal, HttpMethod.Get, "/api/status", token);
        var status = await response.Content.ReadFromJsonAsync<JsonElement>(Token);
        return status.GetArrayLength() == 2 && status.EnumerateArray().All(s =>
            s.GetProperty("tables").GetArrayLength() == 1
            && s.GetProperty("tables").EnumerateArray().All(t => t.GetProperty("state").GetString() == "Ok")
            && s.GetProperty("lastTick").ValueKind == JsonValueKind.Number);
    }

    private static object NodeRequest(string name, string connectionString)
    {
        var parts = new NpgsqlConnectionStringBuilder(connectionString);
        return new
        {
            name, host = parts.Host, port = parts.Port, database = parts.Database, userName = parts.Username,
            password = parts.Password, sslMode = "Disable",
        };
    }

    private static async Task<int> CreateAsync(Portal portal, string token, string path, object body)
    {
        using var response = await SendAsync(portal, HttpMethod.Post, path, token, body);
        var text = await response.Content.ReadAsStringAsync(Token);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"POST {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("id").GetInt32();
    }

    private static async Task<string> TokenAsync(Portal portal)
    {
        using var client = new HttpClient { BaseAddress = portal.Address };
        using var response = await client.PostAsJsonAsync(
            "/api/auth/token", new { userName = PortalFactory.AdminUser, password = PortalFactory.AdminPassword }, Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Token)).GetProperty("accessToken").GetString()!;
    }

    private static async Task<HttpResponseMessage> SendAsync(
        Portal portal, HttpMethod method, string path, string token, object? body = null)
    {
        using var client = new HttpClient { BaseAddress = portal.Address };
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await client.SendAsync(request, Token);
    }

    /// <summary>Logs in through the login form of <paramref name="portal"/>; returns the cookies as a browser would send them.</summary>
    private static async Task<string> LoginCookieAsync(Portal portal)
    {
        var jar = new CookieContainer();
        using var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, CookieContainer = jar })
        {
            BaseAddress = portal.Address,
        };
        await client.LoginAsync(PortalFactory.AdminUser, PortalFactory.AdminPassword);
        return jar.GetCookieHeader(portal.Address);
    }

    /// <summary>The dashboard's status code with these cookies: 200 when logged in, a redirect to the login page otherwise.</summary>
    private static async Task<HttpStatusCode> PageStatusAsync(Portal portal, string? cookie)
    {
        using var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false })
        {
            BaseAddress = portal.Address,
        };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        if (cookie is not null)
        {
            request.Headers.Add("Cookie", cookie);
        }
        using var response = await client.SendAsync(request, Token);
        return response.StatusCode;
    }

    private static async Task WaitForAsync(Func<Task<bool>> done, string what, Portal[] portals, TimeSpan? limit = null)
    {
        var clock = Stopwatch.StartNew();
        while (!await done())
        {
            Assert.True(clock.Elapsed < (limit ?? TimeSpan.FromSeconds(90)),
                $"not {what} within {(limit ?? TimeSpan.FromSeconds(90)).TotalSeconds:0} s\n"
                + string.Join('\n', portals.Select(p => $"--- {p.Name}:\n{p.Tail}")));
            await Task.Delay(100, Token);
        }
    }

    /// <summary>One portal process: its data folder, a port of its own, started, killed and started again by the test.</summary>
    private sealed class Portal(string name, string dataFolder, IReadOnlyDictionary<string, string> environment) : IAsyncDisposable
    {
        private PortalProcess? _process;

        public string Name { get; } = name;

        public string DataFolder { get; } = dataFolder;

        public string KeyFile => Path.Combine(DataFolder, "key-encryption-key");

        public Uri Address { get; private set; } = new("http://127.0.0.1/");

        public int Id => _process?.Id ?? -1;

        public bool IsRunning => _process is { HasExited: false };

        public string Tail => _process?.Tail ?? "";

        /// <summary>Starts the process on a free port and waits until it answers <c>/healthz</c>.</summary>
        public async Task StartAsync()
        {
            Address = new Uri($"http://127.0.0.1:{FreePort()}/");
            _process = PortalProcess.Start(
                new Dictionary<string, string>(environment) { ["FERRY_DATA"] = DataFolder }, Address.ToString().TrimEnd('/'));
            using var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(5) };
            var clock = Stopwatch.StartNew();
            while (true)
            {
                Assert.False(_process.HasExited, $"portal {Name} ended at start:\n{Tail}");
                try
                {
                    using var health = await client.GetAsync("/healthz", Token);
                    if (health.StatusCode == HttpStatusCode.OK)
                    {
                        return;
                    }
                }
                catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !Token.IsCancellationRequested))
                {
                    // Not listening yet, or still starting (slow to answer).
                }
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(90), $"portal {Name} not healthy within 90 s:\n{Tail}");
                await Task.Delay(100, Token);
            }
        }

        public Task KillAsync() => _process?.KillAsync() ?? Task.CompletedTask;

        public async ValueTask DisposeAsync()
        {
            if (_process is not null)
            {
                await _process.DisposeAsync();
            }
        }

        private static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
    }
}
