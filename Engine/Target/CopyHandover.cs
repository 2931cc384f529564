using Ferry.Engine.Queue;

namespace Ferry.Engine.Target;

/// <summary>
/// The handover rule between a table's copy and the event stream (docs/decisions/ADR-005-copy-handover.md): an event whose transaction the
/// copy's snapshot saw is already in the copied rows; every other event must be applied after the copy.
/// </summary>
public static class CopyHandover
{
    /// <summary>What the apply loop does with one event of a table in <paramref name="state"/>.</summary>
    public static HandoverAction Decide(TableState state, TxidSnapshot? copySnapshot, long txid) => state switch
    {
        TableState.Ok => HandoverAction.Apply,
        TableState.CatchingUp when copySnapshot is null => HandoverAction.Apply,
        TableState.CatchingUp => copySnapshot.IsVisible(txid) ? HandoverAction.Skip : HandoverAction.Apply,
        // The copy's snapshot is not known yet: keep the event; the copy replays it when its snapshot did not see it.
        TableState.Copying => HandoverAction.Keep,
        // Stopped by an error: keep the event until the table is retried (then replayed) or resynced (then replayed when the
        // copy's snapshot did not see it). Skipping it would lose it for a retry (docs/decisions/ADR-014-exact-row-encoding.md).
        TableState.Error => HandoverAction.Keep,
        // New: the coming copy's snapshot is taken after this batch and sees the event. Paused: a resync will.
        _ => HandoverAction.Skip,
    };

    /// <summary>
    /// Whether a catching-up table is caught up: the snapshot of the tick a batch starts from saw every transaction the
    /// copy could have seen (its xmin is past the copy's xmax), so no later batch holds an event the copy contains.
    /// </summary>
    public static bool IsCaughtUp(TxidSnapshot copySnapshot, TxidSnapshot batchStart)
    {
        ArgumentNullException.ThrowIfNull(copySnapshot);
        ArgumentNullException.ThrowIfNull(batchStart);
        return batchStart.Xmin >= copySnapshot.Xmax;
    }
}
