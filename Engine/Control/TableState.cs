namespace Ferry.Engine.Control;

/// <summary>
/// Where a table of a subscription stands: <c>New → Copying → CatchingUp → Ok</c>, plus <c>Paused</c> and <c>Error</c>.
/// Each member says which component may move a table into it; nobody else does.
/// </summary>
public enum TableState
{
    /// <summary>Added, nothing done yet. Set by the portal's table service when a rule is added.</summary>
    New,

    /// <summary>The copy job is copying the rows. Set by the copy job when it starts, and by the portal on a resync.</summary>
    Copying,

    /// <summary>Copied; the apply loop replays the events queued during the copy. Set by the copy job when its copy commits.</summary>
    CatchingUp,

    /// <summary>In step with the source; events are applied as they come. Set by the apply loop at the end of catch-up.</summary>
    Ok,

    /// <summary>Skipped on purpose by the apply loop. Set only by the portal (an operator's pause).</summary>
    Paused,

    /// <summary>Stopped on a failure; <c>LastError</c> says why. Set by the copy job or the apply loop.</summary>
    Error,
}
