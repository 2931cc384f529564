using Ferry.Engine.Control;
using Npgsql;

namespace Ferry.Engine.Nodes;

/// <summary>
/// The one owner of the engine's connections to nodes (a DI singleton): it creates an <see cref="NpgsqlDataSource"/> per node
/// and application name, keeps it for the process, replaces it when the node's connection settings change, and disposes every
/// data source when the container is disposed. Connection strings (they hold the clear-text password) never leave this class.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="Open"/> hands out a lease (<see cref="NodeDataSource"/>) on the node's data source; the caller disposes the lease,
/// never the data source. Each <see cref="Open"/> compares the node's settings (host, port, database, user, password, SSL mode)
/// with those the data source was made with, so a change made by any portal process sharing the control database is used on
/// the next call. A replaced data source is disposed as soon as its last lease is returned: a loop that holds one keeps
/// working on it until it rebuilds.
/// </para>
/// <para>
/// One data source per node keeps Npgsql's pool and its type information (a new data source per read costs a log-in, a new
/// server process and Npgsql's type loading, about 17 ms of CPU against 0.2 ms on a pooled connection; see
/// docs/benchmarks/2026-11-29-tables1000.md). Idle pooled connections are pruned after about a minute. What callers do with
/// the pool (ADR-011): loops use it as it is (they retry on their own); status and catalog reads run through
/// <see cref="NodeDataSource.ReadAsync"/>, which reads once more on a new connection when a pooled one went stale; a user's
/// change opens with <c>freshConnections</c>, so a node restarted since the last request answers rather than failing on a
/// connection its restart ended. Connection tests use <see cref="CreateForCheck"/>: a new, unpooled data source each time,
/// so they test a new connection.
/// </para>
/// </remarks>
public sealed class NodeDataSources(NodePasswordProtector passwords) : IDisposable, IAsyncDisposable
{
    /// <summary>Seconds a pooled connection may stay idle before it is closed.</summary>
    public const int IdleLifetimeSeconds = 60;

    /// <summary>Seconds a connection attempt waits for a node (connection tests set their own).</summary>
    public const int ConnectTimeoutSeconds = 10;

    private readonly Lock _gate = new();
    private readonly Dictionary<(int NodeId, string ApplicationName), Entry> _entries = [];
    private bool _disposed;

    /// <summary>A lease on the saved node's data source for <paramref name="applicationName"/>; dispose the lease when done.</summary>
    /// <param name="node">A node of the control database (its id keys the data source).</param>
    /// <param name="applicationName">What PostgreSQL shows as <c>application_name</c> (<c>ferry-apply</c>, <c>ferry-status</c>...).</param>
    /// <param name="freshConnections">For a user's request: close the pool's idle connections first, so every connection the
    /// request uses is new.</param>
    /// <exception cref="System.Security.Cryptography.CryptographicException">The stored password cannot be decrypted.</exception>
    public NodeDataSource Open(Node node, string applicationName, bool freshConnections = false)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentException.ThrowIfNullOrEmpty(applicationName);
        if (node.Id <= 0)
        {
            throw new ArgumentException(
                "Only a saved node has a data source: use CreateForCheck for a node that is not saved.", nameof(node));
        }
        var settings = Settings.Of(node);
        Entry entry;
        Entry? idle = null;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var key = (node.Id, applicationName);
            if (!_entries.TryGetValue(key, out entry!) || entry.Settings != settings)
            {
                var replaced = entry;
                entry = new Entry(Create(node, applicationName, ConnectTimeoutSeconds, pooling: true), settings);
                _entries[key] = entry;
                replaced?.Retire();
                idle = replaced is { Leases: 0 } ? replaced : null; // with leases out, the last one returned disposes it
            }
            entry.Leases++;
        }
        idle?.Source.Dispose();
        if (freshConnections)
        {
            entry.Source.Clear();
        }
        return new NodeDataSource(this, entry);
    }

    /// <summary>
    /// A new data source without pooling for testing a node's connection (saved or not), with its own connect timeout; the
    /// caller disposes it. Every connection it opens is a new one, so a test never passes on a connection opened earlier.
    /// </summary>
    public NpgsqlDataSource CreateForCheck(Node node, string applicationName, int timeoutSeconds)
    {
        ArgumentNullException.ThrowIfNull(node);
        return Create(node, applicationName, timeoutSeconds, pooling: false);
    }

    /// <summary>
    /// Drops the data sources of a node that was changed or deleted in this process (each is disposed when its last lease is
    /// returned); other processes notice the change on their next <see cref="Open"/>.
    /// </summary>
    public void Forget(int nodeId)
    {
        List<Entry> idle = [];
        lock (_gate)
        {
            foreach (var key in _entries.Keys.Where(k => k.NodeId == nodeId).ToList())
            {
                var entry = _entries[key];
                _entries.Remove(key);
                entry.Retire();
                if (entry.Leases == 0)
                {
                    idle.Add(entry);
                }
            }
        }
        idle.ForEach(e => e.Source.Dispose());
    }

    /// <summary>Disposes every data source (leases still out end with it).</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var entry in Close())
        {
            await entry.Source.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>As <see cref="DisposeAsync"/>, for a container disposed synchronously.</summary>
    public void Dispose()
    {
        foreach (var entry in Close())
        {
            entry.Source.Dispose();
        }
    }

    /// <summary>Returns a lease; a replaced data source goes with its last lease.</summary>
    internal async ValueTask ReturnAsync(Entry entry)
    {
        bool dispose;
        lock (_gate)
        {
            dispose = --entry.Leases == 0 && entry.Retired && !_disposed;
        }
        if (dispose)
        {
            await entry.Source.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Stops handing out leases; returns the data sources to dispose.</summary>
    private List<Entry> Close()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return [];
            }
            _disposed = true;
            var entries = _entries.Values.ToList();
            _entries.Clear();
            entries.ForEach(e => e.Retire());
            return entries;
        }
    }

    private NpgsqlDataSource Create(Node node, string applicationName, int timeoutSeconds, bool pooling) =>
        NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder
        {
            Host = node.Host,
            Port = node.Port,
            Database = node.Database,
            Username = node.UserName,
            Password = passwords.Unprotect(node.ProtectedPassword),
            SslMode = node.SslMode,
            ApplicationName = applicationName,
            Timeout = timeoutSeconds,
            Pooling = pooling,
            ConnectionIdleLifetime = IdleLifetimeSeconds,
        });

    /// <summary>What a data source was made from: when any of it changes, the node gets a new one.</summary>
    /// <remarks>The password is compared in its protected form: a new password is protected anew, so the value changes.</remarks>
    internal sealed record Settings(string Host, int Port, string Database, string UserName, string? ProtectedPassword, SslMode SslMode)
    {
        public static Settings Of(Node node) =>
            new(node.Host, node.Port, node.Database, node.UserName, node.ProtectedPassword, node.SslMode);
    }

    /// <summary>One data source with its leases (counted under the owner's lock).</summary>
    internal sealed class Entry(NpgsqlDataSource source, Settings settings)
    {
        public NpgsqlDataSource Source { get; } = source;

        public Settings Settings { get; } = settings;

        public int Leases { get; set; }

        /// <summary>Replaced or forgotten: disposed with its last lease.</summary>
        public bool Retired { get; private set; }

        public void Retire() => Retired = true;
    }
}
