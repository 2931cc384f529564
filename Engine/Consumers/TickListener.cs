using Npgsql;

namespace Ferry.Engine.Consumers;

/// <summary>
/// Listens for the ticks of one queue (<c>NOTIFY ferry_tick</c>, sent by <c>ferry.tick</c> at commit) on its own
/// connection. Start listening before looking for a batch, so that a tick made in between is not missed.
/// </summary>
public sealed class TickListener : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;
    private readonly string _queue;
    private bool _ticked;

    private TickListener(NpgsqlConnection connection, string queue)
    {
        _connection = connection;
        _queue = queue;
        _connection.Notification += (_, e) =>
        {
            if (string.Equals(e.Payload, _queue, StringComparison.Ordinal))
            {
                _ticked = true;
            }
        };
    }

    /// <summary>Opens a connection and starts listening.</summary>
    public static async Task<TickListener> StartAsync(NpgsqlDataSource dataSource, string queue, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var listen = new NpgsqlCommand("LISTEN ferry_tick", connection);
            await listen.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return new TickListener(connection, queue);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Waits until a tick of the queue was made since the last call (returns at once if one already was), or the
    /// timeout passes.
    /// </summary>
    /// <returns>Whether a tick was seen.</returns>
    public async Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (!_ticked)
        {
            var left = deadline - Environment.TickCount64;
            if (left <= 0 || !await _connection.WaitAsync(TimeSpan.FromMilliseconds(left), cancellationToken).ConfigureAwait(false))
            {
                break;
            }
        }
        var ticked = _ticked;
        _ticked = false;
        return ticked;
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}
