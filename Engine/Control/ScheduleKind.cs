using Ferry.Engine.Target;

namespace Ferry.Engine.Control;

/// <summary>What a schedule runs.</summary>
public enum ScheduleKind
{
    /// <summary>Copy one table again (its table rule goes back to <see cref="TableState.Copying"/>).</summary>
    ResyncTable,

    /// <summary>Copy every table of a subscription again.</summary>
    ResyncSubscription,

    /// <summary>Compare every table of the subscription that is ok with its source, each into a report (and repair, with <see cref="Schedule.RepairAfter"/>).</summary>
    Compare,

    /// <summary>Compare one table with its source into a report (and repair, with <see cref="Schedule.RepairAfter"/>).</summary>
    CompareTable,
}
