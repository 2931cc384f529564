using Ferry.Engine.Consumers;
using Npgsql;

namespace Ferry.Engine.Target;

/// <summary>
/// Keeps events on the target (<see cref="KeptEvents.KeepPendingAsync"/>) as they pass, <c>chunk</c> at a time, inside the
/// caller's transaction, so that a batch or a backlog of any size never sits in memory whole (docs/architecture.md,
/// "Bounded memory"). It writes on the connection only from <see cref="AddAsync"/> and <see cref="FlushAsync"/>, between
/// two events of the caller's stream, when no handler is using the connection.
/// </summary>
public sealed class KeptEventWriter(TargetStateStore store, NpgsqlConnection connection, NpgsqlTransaction transaction, int chunk = KeptEventWriter.Chunk)
{
    /// <summary>Events written per COPY.</summary>
    public const int Chunk = 5000;

    private readonly List<ApplyEvent> _held = [];

    /// <summary>Events kept so far (written or still held).</summary>
    public long Count { get; private set; }

    /// <summary>Keeps an event; writes the held ones when <c>chunk</c> of them are held.</summary>
    public async ValueTask AddAsync(ApplyEvent item, CancellationToken cancellationToken)
    {
        _held.Add(item);
        Count++;
        if (_held.Count >= chunk)
        {
            await FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Writes the events still held (call it before the transaction commits).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        await store.KeepPendingAsync(connection, transaction, _held, cancellationToken).ConfigureAwait(false);
        _held.Clear();
    }
}
