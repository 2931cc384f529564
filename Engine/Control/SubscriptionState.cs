namespace Ferry.Engine.Control;

/// <summary>State of a subscription's apply loop.</summary>
public enum SubscriptionState
{
    /// <summary>Applying batches. Set by the portal (subscribe, resume) and by the apply loop when it recovers.</summary>
    Active,

    /// <summary>Not applying, on purpose. Set only by the portal (an operator's pause).</summary>
    Paused,

    /// <summary>Stopped on a failure; <c>LastError</c> says why. Set only by the apply loop.</summary>
    Error,
}
