using System.Globalization;
using Ferry.Engine.LocalServer.Internal;
using Npgsql;

namespace Ferry.Engine.LocalServer;

/// <summary>
/// A PostgreSQL cluster that Ferry creates and runs itself on 127.0.0.1: the portal's embedded default and every
/// test fixture. Unix sockets are off (TCP only), so the data folder's path length never matters.
/// </summary>
/// <remarks>
/// As root, the programs run as an unprivileged OS user (see <c>ServerUser</c>); the data folder is given to that
/// user, and server programs it cannot reach (an install under a private home folder) are first copied to
/// <c>/var/lib/ferry/pgbin</c>.
/// </remarks>
public sealed class LocalCluster : IAsyncDisposable
{
    private readonly LocalClusterOptions _options;

    private LocalCluster(LocalClusterOptions options, PostgresInstallation installation, int port)
    {
        _options = options;
        Installation = installation;
        Port = port;
    }

    public PostgresInstallation Installation { get; }

    public string DataDirectory => _options.DataDirectory;

    public int Port { get; private set; }

    public string Host => "127.0.0.1";

    public string Superuser => "postgres";

    public string? SuperuserPassword => _options.SuperuserPassword;

    public string LogFile => Path.Combine(DataDirectory, "server.log");

    /// <summary>A connection string for the superuser to one database of this cluster.</summary>
    public string ConnectionString(string database = "postgres") => new NpgsqlConnectionStringBuilder
    {
        Host = Host,
        Port = Port,
        Username = Superuser,
        Password = SuperuserPassword,
        Database = database,
        // The cluster is ours and short-lived in tests: do not let pooled connections outlive a stopped server.
        Pooling = true,
    }.ConnectionString;

    /// <summary>Creates the cluster (initdb) unless the data folder already holds one, and starts it.</summary>
    public static async Task<LocalCluster> StartAsync(LocalClusterOptions options, CancellationToken cancellationToken = default)
    {
        var cluster = await OpenOrCreateAsync(options, cancellationToken).ConfigureAwait(false);
        try
        {
            await cluster.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            if (options.Temporary)
            {
                await cluster.RemoveAsync(CancellationToken.None).ConfigureAwait(false);
            }
            throw;
        }
        return cluster;
    }

    /// <summary>Creates the cluster (initdb) unless the data folder already holds one; does not start it.</summary>
    public static async Task<LocalCluster> OpenOrCreateAsync(LocalClusterOptions options, CancellationToken cancellationToken = default)
    {
        await ServerUser.EnsureExistsAsync(cancellationToken).ConfigureAwait(false);
        var installation = await ReachableInstallation.EnsureAsync(options.Installation ?? PostgresBinaries.Default(), cancellationToken)
            .ConfigureAwait(false);
        var dataDirectory = Path.GetFullPath(options.DataDirectory);
        options = options with { DataDirectory = dataDirectory, Installation = installation };

        var versionFile = Path.Combine(dataDirectory, "PG_VERSION");
        if (File.Exists(versionFile))
        {
            var existingMajor = (await File.ReadAllTextAsync(versionFile, cancellationToken).ConfigureAwait(false)).Trim();
            if (existingMajor != installation.Major.ToString(CultureInfo.InvariantCulture))
            {
                throw new LocalServerException(
                    $"The data folder {dataDirectory} holds a PostgreSQL {existingMajor} cluster, but the server programs found are " +
                    $"PostgreSQL {installation.Major}. Install PostgreSQL {existingMajor}, or move the folder away to start afresh.");
            }
            var port = options.Port ?? FerryConf.ReadPort(dataDirectory) ?? LoopbackPort.Free();
            var existing = new LocalCluster(options, installation, port);
            await existing.WriteFerryConfAsync(cancellationToken).ConfigureAwait(false);
            return existing;
        }

        var cluster = new LocalCluster(options, installation, options.Port ?? LoopbackPort.Free());
        await cluster.InitDbAsync(cancellationToken).ConfigureAwait(false);
        return cluster;
    }

    /// <summary>True when the server programs can use this folder (as root: when the unprivileged server user can reach it).</summary>
    public static async Task<bool> CanHostDataAsync(string directory, CancellationToken cancellationToken = default)
    {
        // Folders still to be made are made by us with mode 755; what matters is the nearest one that exists.
        var parent = Path.GetDirectoryName(Path.GetFullPath(directory)) ?? "/";
        while (!Directory.Exists(parent))
        {
            parent = Path.GetDirectoryName(parent) ?? "/";
        }
        return await ServerUser.CanAsync("-x", parent, cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> IsRunningAsync(CancellationToken cancellationToken = default)
    {
        var result = await ProcessRunner.RunAsync(Installation.PgCtl, ["-D", DataDirectory, "status"], ServerUser.RunAs, cancellationToken)
            .ConfigureAwait(false);
        return result.ExitCode == 0;
    }

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (await IsRunningAsync(cancellationToken).ConfigureAwait(false))
        {
            return;
        }
        for (var attempt = 1; ; attempt++)
        {
            if (!LoopbackPort.IsFree(Port))
            {
                if (_options.Port is not null)
                {
                    throw new LocalServerException(
                        $"Port {Port} on 127.0.0.1 is already in use, so the local PostgreSQL cannot start there. Choose another port.");
                }
                Port = LoopbackPort.Free();
                await WriteFerryConfAsync(cancellationToken).ConfigureAwait(false);
            }
            var result = await ProcessRunner.RunAsync(
                Installation.PgCtl,
                ["-D", DataDirectory, "-l", LogFile, "-w", "-t", "60", "start"],
                ServerUser.RunAs,
                cancellationToken).ConfigureAwait(false);
            if (result.ExitCode == 0)
            {
                return;
            }
            // Another process may have taken the port between our check and the server's bind: pick another and retry.
            var log = ReadLogTail();
            if (attempt < 3 && _options.Port is null && log.Contains("could not bind", StringComparison.Ordinal))
            {
                Port = LoopbackPort.Free();
                await WriteFerryConfAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }
            throw new LocalServerException(
                $"PostgreSQL {Installation.Version} in {DataDirectory} did not start: {(result.StandardError + result.StandardOutput).Trim()}\n{log}");
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        NpgsqlConnection.ClearAllPools();
        if (!Directory.Exists(DataDirectory) || !await IsRunningAsync(cancellationToken).ConfigureAwait(false))
        {
            return;
        }
        await ProcessRunner.RunCheckedAsync(
            Installation.PgCtl, ["-D", DataDirectory, "-m", "fast", "-w", "-t", "60", "stop"], ServerUser.RunAs, cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>Restarts the server in immediate mode: what a crash looks like to connected clients.</summary>
    public async Task RestartAsync(bool immediate = false, CancellationToken cancellationToken = default)
    {
        NpgsqlConnection.ClearAllPools();
        await ProcessRunner.RunCheckedAsync(
            Installation.PgCtl,
            ["-D", DataDirectory, "-l", LogFile, "-m", immediate ? "immediate" : "fast", "-w", "-t", "60", "restart"],
            ServerUser.RunAs,
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops the server and deletes the data folder.</summary>
    public async Task RemoveAsync(CancellationToken cancellationToken = default)
    {
        await StopAsync(cancellationToken).ConfigureAwait(false);
        if (Directory.Exists(DataDirectory))
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_options.Temporary)
        {
            await RemoveAsync(CancellationToken.None).ConfigureAwait(false);
        }
        else
        {
            await StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    public override string ToString() => $"PostgreSQL {Installation.Version} on {Host}:{Port} ({DataDirectory})";

    private async Task InitDbAsync(CancellationToken cancellationToken)
    {
        if (!await CanHostDataAsync(DataDirectory, cancellationToken).ConfigureAwait(false))
        {
            throw new LocalServerException(
                $"The OS user '{ServerUser.RunAs}' that runs PostgreSQL cannot reach {Path.GetDirectoryName(DataDirectory)} " +
                "(a private home folder?). Choose a data folder outside it, e.g. under /var/lib/ferry or /tmp.");
        }
        await InitDb.RunAsync(Installation, DataDirectory, Superuser, SuperuserPassword, cancellationToken).ConfigureAwait(false);
        await WriteFerryConfAsync(cancellationToken).ConfigureAwait(false);
    }

    private Task WriteFerryConfAsync(CancellationToken cancellationToken) =>
        FerryConf.WriteAsync(DataDirectory, Port, _options, cancellationToken);

    private string ReadLogTail()
    {
        try
        {
            var lines = File.ReadAllLines(LogFile);
            return string.Join('\n', lines.TakeLast(15));
        }
        catch (IOException)
        {
            return "";
        }
        catch (UnauthorizedAccessException)
        {
            return "";
        }
    }
}
