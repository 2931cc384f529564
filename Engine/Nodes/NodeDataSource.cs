using Npgsql;

namespace Ferry.Engine.Nodes;

/// <summary>
/// A lease on a node's data source from <see cref="NodeDataSources.Open"/>: use <see cref="DataSource"/> (or the lease itself,
/// where an <see cref="NpgsqlDataSource"/> is expected) and dispose the lease when done. Disposing the lease never disposes the
/// data source: its owner does, when the node's settings change or the process ends.
/// </summary>
public sealed class NodeDataSource : IAsyncDisposable
{
    private readonly NodeDataSources _owner;
    private readonly NodeDataSources.Entry _entry;
    private int _returned;

    internal NodeDataSource(NodeDataSources owner, NodeDataSources.Entry entry)
    {
        _owner = owner;
        _entry = entry;
    }

    /// <summary>The node's data source; valid until this lease is disposed.</summary>
    public NpgsqlDataSource DataSource => _entry.Source;

    public static implicit operator NpgsqlDataSource(NodeDataSource lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        return lease.DataSource;
    }

    /// <summary>
    /// Runs a read; when it fails because its pooled connection was lost (the node restarted, or its server process was
    /// ended), the pool's idle connections are closed and the read runs once more, on a new connection.
    /// </summary>
    /// <remarks>Only for work that can run twice: a read, or a change that is idempotent.</remarks>
    public async Task<T> ReadAsync<T>(Func<NpgsqlDataSource, Task<T>> read, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(read);
        try
        {
            return await read(DataSource).ConfigureAwait(false);
        }
        catch (NpgsqlException e) when (IsConnectionLost(e) && !cancellationToken.IsCancellationRequested)
        {
            DataSource.Clear();
            return await read(DataSource).ConfigureAwait(false);
        }
    }

    /// <summary>The connection broke (network, restart) or the server ended its session (class 57P, as 57P01, and class 08).</summary>
    public static bool IsConnectionLost(NpgsqlException e) =>
        e is not PostgresException server
        || server.SqlState.StartsWith("57P", StringComparison.Ordinal)
        || server.SqlState.StartsWith("08", StringComparison.Ordinal);

    public ValueTask DisposeAsync() =>
        Interlocked.Exchange(ref _returned, 1) == 0 ? _owner.ReturnAsync(_entry) : ValueTask.CompletedTask;
}
