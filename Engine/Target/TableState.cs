namespace Ferry.Engine.Target;

/// <summary>
/// Where one table of a subscription is in its life: <c>new → copying → catching-up → ok</c>, plus <c>paused</c> and
/// <c>error</c> (see docs/architecture.md). The truth is the target's <c>ferry.table_state</c> row, moved only through
/// <see cref="TableStateMachine"/>; the control database's table rule mirrors it for the portal (same member names).
/// Each member says which component may move a table into it; nobody else does.
/// </summary>
public enum TableState
{
    /// <summary>
    /// Added, not copied yet; its events are skipped (the copy will contain them). Set by: the subscription runner, which adds
    /// the table's state row on the target (<c>TargetStateStore.AddTableAsync</c>); the control row starts here when
    /// the table rule is added.
    /// </summary>
    New,

    /// <summary>
    /// The copy runs; events are kept on the target as pending. Set by: the copy when it starts
    /// (<c>Copy/TableCopy</c>), and by a resync (the portal or a scheduled resync) from any state but a running copy.
    /// </summary>
    Copying,

    /// <summary>
    /// Copied; events apply only when their transaction was not visible in the copy's snapshot. Set by: the copy, in its commit;
    /// a retry of a table in error.
    /// </summary>
    CatchingUp,

    /// <summary>
    /// Replicating: every event applies. Set by: the apply loop, once no batch can hold a transaction of the copy.
    /// </summary>
    Ok,

    /// <summary>
    /// Events are skipped; leaving it needs a resync. Set by: nobody yet (reserved for an operator's per-table pause).
    /// </summary>
    Paused,

    /// <summary>
    /// Stopped on a failure or a change of the source's shape, the message kept, and so are the table's events (on the
    /// target) until a retry (back to catching-up: they are replayed) or a resync. Set by: the copy coordinator when a copy
    /// fails for good (on the target); the apply loop and the copy when the source changed shape
    /// (docs/decisions/ADR-014-exact-row-encoding.md); the subscription runner also marks the control row when the stored
    /// rule no longer validates (that table is not applied).
    /// </summary>
    Error,
}
