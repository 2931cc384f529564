using Ferry.Engine.Target;

namespace Ferry.Engine.Control;

/// <summary>What a schedule runs.</summary>
public enum ScheduleKind
{
    /// <summary>Copy one table again (its table rule goes back to <see cref="TableState.Copying"/>).</summary>
    ResyncTable,

    /// <summary>Copy every table of a subscription again.</summary>
    ResyncSubscription,

    /// <summary>Compare source and target rows of the subscription's tables and report the differences.</summary>
    Compare,
}
