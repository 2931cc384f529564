namespace Ferry.Engine.Replication.Status;

/// <summary>A column of a subscription's tables that a page is sorted or filtered by.</summary>
public enum TableColumn
{
    /// <summary>The source table; filters match <c>schema.table</c> and its quoted form <c>"schema"."table"</c>.</summary>
    Source,

    /// <summary>The target table, matched like <see cref="Source"/>.</summary>
    Target,

    /// <summary>The row filter (no filter is the empty text).</summary>
    Filter,

    /// <summary>The state; filters match its name case-insensitively, spaces ignored (<c>catching up</c> is <c>CatchingUp</c>); sorted in the order of the states' lifecycle.</summary>
    State,

    /// <summary>Rows copied (sorting only).</summary>
    RowsCopied,

    /// <summary>The last error (none is the empty text).</summary>
    LastError,
}
