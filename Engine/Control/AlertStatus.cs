namespace Ferry.Engine.Control;

/// <summary>Where an <see cref="Alert"/> stands. Set only by <see cref="AlertEvaluator"/>.</summary>
public enum AlertStatus
{
    /// <summary>The condition holds, for less than the rule's <c>HoldFor</c>: nothing sent yet.</summary>
    Pending,

    /// <summary>Fired: the firing notice was sent (or is retried), repeats follow while it holds.</summary>
    Firing,

    /// <summary>It cleared (or its subject is gone) after firing: history.</summary>
    Resolved,
}
