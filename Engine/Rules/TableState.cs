namespace Ferry.Engine.Rules;

/// <summary>
/// Where one table of a subscription is in its life (DESIGN.md, table states). Each member says which component may move
/// a table into it; <see cref="TableStateMachine"/> holds the allowed moves.
/// </summary>
public enum TableState
{
    /// <summary>Added, not copied yet; events are skipped (the copy will contain them). Set by: adding the table rule.</summary>
    New,

    /// <summary>The copy runs; events are kept on the target as pending. Set by: the copy scheduler (start, resync).</summary>
    Copying,

    /// <summary>
    /// Copied; events apply only when their transaction was not visible in the copy's snapshot. Set by: the copy, in its commit;
    /// a retry of a table in error.
    /// </summary>
    CatchingUp,

    /// <summary>Replicating: every event applies. Set by: the apply loop, once no batch can hold a transaction of the copy.</summary>
    Ok,

    /// <summary>Events are skipped; leaving it needs a resync. Set by: the user (portal).</summary>
    Paused,

    /// <summary>
    /// Copy or apply failed, or the source changed shape; the message is kept, and so are the table's events (on the target),
    /// until a retry (back to catching-up: they are replayed) or a resync. Set by: the copy, the apply loop, the subscription
    /// runner (a rule that is not valid any more).
    /// </summary>
    Error,
}
