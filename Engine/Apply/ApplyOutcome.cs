namespace Ferry.Engine.Apply;

/// <summary>What one iteration of an <see cref="ApplyLoop"/> did.</summary>
public enum ApplyOutcome
{
    /// <summary>No batch was ready.</summary>
    Idle,

    /// <summary>A batch was applied, its tick recorded and the batch finished.</summary>
    Applied,

    /// <summary>The target already held the batch's tick (a crash after commit): finished without applying again.</summary>
    AlreadyApplied,

    /// <summary>The subscription is in state error (now or from before); it does nothing until the error is cleared.</summary>
    Stopped,

    /// <summary>
    /// A source table changed shape in a way its rule must follow (docs/decisions/ADR-014-exact-row-encoding.md): nothing was
    /// applied; build the rules again and run a new loop.
    /// </summary>
    RulesChanged,
}
