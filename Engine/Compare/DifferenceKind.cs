namespace Ferry.Engine.Compare;

/// <summary>How a row of the target differs from the source at the compare's tick.</summary>
public enum DifferenceKind
{
    /// <summary>The source has the row (inside the rule's filter); the target has no row with its key.</summary>
    Missing,

    /// <summary>The target has a row whose key the source does not have (or has outside the filter).</summary>
    Extra,

    /// <summary>Both have the key; at least one column differs.</summary>
    Different,
}
