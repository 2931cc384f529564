using Ferry.Engine.Demo;
using Ferry.Engine.LocalServer;
using Npgsql;

namespace Ferry.Portal.Hosting;

/// <summary>
/// The embedded default: a local PostgreSQL cluster in the portal's data folder holding the control database
/// (<see cref="ControlDatabase"/>), created on first start and reused afterwards. The portal uses it as a role of its
/// own that owns the control database only (<see cref="ControlRole"/>), not as the superuser.
/// </summary>
public sealed partial class EmbeddedCluster(LocalCluster cluster, string dataRoot, string controlConnectionString, ILogger logger)
{
    public const string ControlDatabase = "ferry";

    public string DataRoot { get; } = dataRoot;

    public LocalCluster Cluster { get; } = cluster;

    /// <summary>The control database as the portal's own role (<see cref="ControlRole.Name"/>), never the superuser.</summary>
    public string ControlConnectionString { get; } = controlConnectionString;

    /// <summary>Chooses the data folder, creates or opens the cluster there and starts it.</summary>
    public static async Task<EmbeddedCluster> StartAsync(IConfiguration configuration, ILogger logger, CancellationToken cancellationToken)
    {
        var dataRoot = await ChooseDataRootAsync(configuration, logger, cancellationToken);
        Directory.CreateDirectory(dataRoot);
        var password = await SuperuserPasswordAsync(dataRoot, cancellationToken);
        var cluster = await LocalCluster.StartAsync(
            new LocalClusterOptions { DataDirectory = Path.Combine(dataRoot, "cluster"), SuperuserPassword = password },
            cancellationToken);
        LogStarted(logger, cluster.Installation.Version, cluster.Port, cluster.DataDirectory);
        var control = await ControlRole.EnsureAsync(cluster, dataRoot, ControlDatabase, cancellationToken);
        return new EmbeddedCluster(cluster, dataRoot, control, logger);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        LogStopping(logger, Cluster.DataDirectory);
        await Cluster.StopAsync(cancellationToken);
    }

    /// <summary>
    /// Creates the seed scenario's source and two targets unless the source database already exists. The roles'
    /// generated passwords go to a 0600 file in the data folder and, this once, to the console.
    /// </summary>
    /// <returns>The new databases (the portal then builds the demo set over them), or null when they existed already.</returns>
    public async Task<DemoDatabases?> CreateDemoOnceAsync(int users, CancellationToken cancellationToken)
    {
        var admin = Cluster.ConnectionString();
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync(cancellationToken);
            await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = 'digoal_01'", connection);
            if (await exists.ExecuteScalarAsync(cancellationToken) is not null)
            {
                LogDemoExists(logger, Path.Combine(DataRoot, "demo-credentials"));
                return null;
            }
        }
        LogCreatingDemo(logger, users);
        var password1 = SecretFiles.NewSecret();
        var password2 = SecretFiles.NewSecret();
        var demo = new DemoDatabases(
            await SeedScenario.CreateSourceAsync(admin, "digoal_01", "digoal_01", password1, users, cancellationToken),
            await SeedScenario.CreateTargetAsync(admin, "digoal_01_replica", "digoal_01", password1, allTables: true, cancellationToken),
            await SeedScenario.CreateTargetAsync(admin, "digoal_02", "digoal_02", password2, allTables: false, cancellationToken));

        var text =
            $"""
            # Demo databases of the embedded cluster (host 127.0.0.1, port {Cluster.Port})
            source    database digoal_01          user digoal_01  password {password1}
            target 1  database digoal_01_replica  user digoal_01  password {password1}
            target 2  database digoal_02          user digoal_02  password {password2}

            """;
        var file = Path.Combine(DataRoot, "demo-credentials");
        await SecretFiles.WriteAsync(file, text, cancellationToken);
        // The console, not the log: these are passwords.
        Console.WriteLine();
        Console.WriteLine(text);
        Console.WriteLine($"(kept in {file})");
        LogDemoCreated(logger, file);
        return demo;
    }

    private static async Task<string> ChooseDataRootAsync(IConfiguration configuration, ILogger logger, CancellationToken cancellationToken)
    {
        var preferred = FerryDataDirectory.Preferred(configuration);
        if (FerryDataDirectory.IsExplicit(configuration) || !Environment.IsPrivilegedProcess
            || File.Exists(Path.Combine(preferred, "cluster", "PG_VERSION")))
        {
            return preferred;
        }
        var fallback = FerryDataDirectory.Fallback(preferred);
        if (File.Exists(Path.Combine(fallback, "cluster", "PG_VERSION"))
            || !await LocalCluster.CanHostDataAsync(Path.Combine(preferred, "cluster"), cancellationToken))
        {
            LogFallback(logger, preferred, fallback);
            return fallback;
        }
        return preferred;
    }

    private static async Task<string> SuperuserPasswordAsync(string dataRoot, CancellationToken cancellationToken)
    {
        // Beside the cluster's folder, not inside it: the server user owns the cluster folder, only we read this file.
        var file = Path.Combine(dataRoot, "postgres-password");
        if (File.Exists(file))
        {
            return (await File.ReadAllTextAsync(file, cancellationToken)).Trim();
        }
        if (File.Exists(Path.Combine(dataRoot, "cluster", "PG_VERSION")))
        {
            throw new LocalServerException(
                $"The embedded cluster in {Path.Combine(dataRoot, "cluster")} exists but its password file {file} is missing. " +
                "Restore the file, or move the cluster folder away to start afresh.");
        }
        var password = SecretFiles.NewSecret();
        await SecretFiles.WriteAsync(file, password + "\n", cancellationToken);
        return password;
    }

    [LoggerMessage(2000, LogLevel.Information, "Embedded PostgreSQL {Version} runs on 127.0.0.1:{Port}, data in {DataDirectory}")]
    private static partial void LogStarted(ILogger logger, string version, int port, string dataDirectory);

    [LoggerMessage(2001, LogLevel.Information, "Stopping the embedded PostgreSQL in {DataDirectory}")]
    private static partial void LogStopping(ILogger logger, string dataDirectory);

    [LoggerMessage(2002, LogLevel.Warning,
        "The PostgreSQL server user cannot reach {Preferred}; the embedded cluster lives in {Fallback} instead (set FERRY_DATA to choose)")]
    private static partial void LogFallback(ILogger logger, string preferred, string fallback);

    [LoggerMessage(2003, LogLevel.Information, "Creating the demo databases digoal_01, digoal_01_replica and digoal_02 ({Users} users)")]
    private static partial void LogCreatingDemo(ILogger logger, int users);

    [LoggerMessage(2004, LogLevel.Information, "Demo databases created; their credentials are in {File}")]
    private static partial void LogDemoCreated(ILogger logger, string file);

    [LoggerMessage(2005, LogLevel.Information, "Demo databases already exist; their credentials are in {File}")]
    private static partial void LogDemoExists(ILogger logger, string file);
}
