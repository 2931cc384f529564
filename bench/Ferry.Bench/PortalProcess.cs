using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Npgsql;

namespace Ferry.Bench;

/// <summary>
/// Ferry's portal (<c>Portal/bin/Release/net10.0/Ferry.Portal.dll</c>, built by bench/run) as a child process: its own
/// control database on the benchmark's control cluster, the first admin from <c>FERRY_ADMIN_USER</c>/<c>_PASSWORD</c>,
/// default settings otherwise (its loops run as Hangfire jobs with the product's ticker and apply settings). The
/// benchmark drives it over <c>/api</c> with a bearer token, like a script would, and measures its resident memory.
/// </summary>
internal sealed class PortalProcess : IAsyncDisposable
{
    public const string ControlDb = "ferry_portal";
    private const string AdminUser = "bench";
    private const string AdminPassword = "Bench-portal-1!";
    private readonly Process _process;
    private readonly HttpClient _http;

    private PortalProcess(Process process, HttpClient http, string controlConnection, string log)
    {
        _process = process;
        _http = http;
        ControlConnection = controlConnection;
        LogFile = log;
        Rss = new RssProbe(process.Id);
    }

    public RssProbe Rss { get; }
    public int Pid => _process.Id;
    public string ControlConnection { get; }
    public string LogFile { get; }

    public static string DllPath(Options options) =>
        Path.Combine(options.RepositoryRoot, "Portal", "bin", "Release", "net10.0", "Ferry.Portal.dll");

    public static async Task<PortalProcess> StartAsync(BenchEnv env, CancellationToken ct)
    {
        var dll = DllPath(env.Options);
        if (!File.Exists(dll))
        {
            throw new BenchException($"The portal is not built: {dll} is missing (bench/run builds it; or run " +
                                     "`dotnet build Portal/Portal.csproj -c Release`).");
        }
        var control = Db.With(env.Control.ConnectionString(ControlDb));
        var port = FreePort();
        var data = Path.Combine(env.WorkDirectory, "portal");
        Directory.CreateDirectory(data);
        var log = Path.Combine(env.WorkDirectory, "portal.log");
        var process = Proc.Start("dotnet", [dll, "--contentRoot", Path.Combine(env.Options.RepositoryRoot, "Portal"), "--port",
            port.ToString(CultureInfo.InvariantCulture)], log, new Dictionary<string, string>
        {
            ["ConnectionStrings__Control"] = env.Control.ConnectionString(ControlDb),
            ["FERRY_DATA"] = data,
            ["FERRY_ADMIN_USER"] = AdminUser,
            ["FERRY_ADMIN_PASSWORD"] = AdminPassword,
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Logging__LogLevel__Default"] = "Warning",
        });
        await File.WriteAllTextAsync(Path.Combine(env.WorkDirectory, "portal.pid"), process.Id.ToString(CultureInfo.InvariantCulture), ct);
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromMinutes(5) };
        var portal = new PortalProcess(process, http, control, log);
        try
        {
            await Db.WaitAsync($"the portal to answer /healthz (log: {log})", async () =>
            {
                if (process.HasExited)
                {
                    throw new BenchException($"The portal exited with code {process.ExitCode}:\n{portal.LogTail(30)}");
                }
                try
                {
                    using var health = await http.GetAsync("/healthz", ct);
                    return health.StatusCode == HttpStatusCode.OK;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            }, TimeSpan.FromMinutes(3), ct, pollMs: 250);
            using var token = await http.PostAsJsonAsync("/api/auth/token", new { userName = AdminUser, password = AdminPassword }, ct);
            var body = await Check(token, "POST /api/auth/token");
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", body.GetProperty("accessToken").GetString());
            return portal;
        }
        catch
        {
            await portal.DisposeAsync();
            throw;
        }
    }

    public async Task<JsonElement> GetAsync(string path, CancellationToken ct)
    {
        using var response = await _http.GetAsync(path, ct);
        return await Check(response, "GET " + path);
    }

    public async Task<JsonElement> PostAsync(string path, object? body, CancellationToken ct)
    {
        using var response = await _http.PostAsJsonAsync(path, body ?? new { }, ct);
        return await Check(response, "POST " + path);
    }

    public async Task DeleteAsync(string path, CancellationToken ct)
    {
        using var response = await _http.DeleteAsync(path, ct);
        await Check(response, "DELETE " + path);
    }

    /// <summary>Creates a node for a database of one of the benchmark's clusters (superuser, trust authentication).</summary>
    public async Task<int> CreateNodeAsync(string name, string connectionString, CancellationToken ct)
    {
        var b = new NpgsqlConnectionStringBuilder(connectionString);
        var node = await PostAsync("/api/nodes", new
        {
            name, host = b.Host, port = b.Port, database = b.Database, userName = b.Username, password = b.Password, sslMode = "Disable",
        }, ct);
        return node.GetProperty("id").GetInt32();
    }

    public string LogTail(int lines) =>
        File.Exists(LogFile) ? ProcResult.Tail(File.ReadAllText(LogFile), lines) : "(no portal log)";

    private static async Task<JsonElement> Check(HttpResponseMessage response, string what)
    {
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new BenchException($"The portal answered {what} with {(int)response.StatusCode}: {text}");
        }
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (!_process.HasExited)
        {
            // SIGTERM: the host stops its Hangfire server and loops; then the process is killed if it lingers.
            Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)])?.WaitForExit();
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try
            {
                await _process.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                // killed below
            }
        }
        Proc.Stop(_process);
    }
}
