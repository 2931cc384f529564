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

    /// <summary>
    /// An operator's DDL script (queue schema v7): no table, no data; the script, with its placeholders, in <c>ev_extra</c>. Each
    /// subscriber runs it at its point of the stream (docs/decisions/ADR-020-ddl-and-sequences-in-the-stream.md).
    /// </summary>
    public const string Ddl = "DDL";
}
