namespace Ferry.Engine.Queue;

/// <summary>The event types a queue carries.</summary>
public static class EventTypes
{
    /// <summary>A row was inserted; data is the full new row.</summary>
    public const string Insert = "I";

    /// <summary>A row was updated; data is the full new row. A key change also writes a <see cref="Delete"/> of the old key.</summary>
    public const string Update = "U";

    /// <summary>A row was deleted; data holds the key columns.</summary>
    public const string Delete = "D";

    /// <summary>The table was truncated; no data.</summary>
    public const string Truncate = "T";
}
