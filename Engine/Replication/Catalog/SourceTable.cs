namespace Ferry.Engine.Replication.Catalog;

/// <summary>One source table with what decides whether Ferry can replicate it: its key.</summary>
/// <param name="Schema">Schema, exactly as in the catalog.</param>
/// <param name="Name">Table name, exactly as in the catalog.</param>
/// <param name="Text">The name as a user writes it for the engine (<c>schema.table</c>, each part quoted only when needed).</param>
/// <param name="EstimatedRows">Rows by the statistics, scaled to the table's current size as the planner does; null when
/// unknown (never vacuumed nor analyzed while it already has pages).</param>
/// <param name="Partitioned">A partitioned table (its partitions are replicated through it).</param>
/// <param name="PrimaryKey">The primary key's columns; empty when there is none.</param>
/// <param name="KeyIndexes">Without a primary key, the unique indexes that can serve as key (unique, immediate, valid, without
/// WHERE or expressions, over NOT NULL columns), the one capture prefers first; the engine's <c>key</c> takes such a name.</param>
/// <param name="Target">The target table when the subscription already replicates this table; null when it does not.</param>
public sealed record SourceTable(
    string Schema, string Name, string Text, long? EstimatedRows, bool Partitioned, IReadOnlyList<string> PrimaryKey,
    IReadOnlyList<SourceKeyIndex> KeyIndexes, string? Target)
{
    /// <summary>The subscription replicates this table already.</summary>
    public bool Added => Target is not null;

    /// <summary>Rows can be identified: a primary key, or a unique index to name as key.</summary>
    public bool HasKey => PrimaryKey.Count > 0 || KeyIndexes.Count > 0;

    /// <summary>
    /// Why the table cannot be added with the primary key as its key, and what to fix; null when it has a primary key.
    /// </summary>
    public string? KeyNote => PrimaryKey.Count > 0
        ? null
        : KeyIndexes.Count == 0
            ? $"The engine refuses {Text}: it has no primary key and no unique index over NOT NULL columns, so its rows cannot be "
              + "identified. Add a primary key to it on the source, or, if rows are only ever inserted into it (a log table), "
              + "choose the handler append, which needs no key."
            : $"{Text} has no primary key: name its unique index \"{KeyIndexes[0].Name}\" as the key, or add a primary key on the source.";

    /// <summary>
    /// Equal when the name, key and target are, the lists item by item, so a table read twice is the same row (a grid keeps it
    /// selected across reloads). The estimate is left out: it moves with the statistics while the table stays the same.
    /// </summary>
    public bool Equals(SourceTable? other) =>
        other is not null && Schema == other.Schema && Name == other.Name && Text == other.Text && Partitioned == other.Partitioned
        && Target == other.Target && PrimaryKey.SequenceEqual(other.PrimaryKey) && KeyIndexes.SequenceEqual(other.KeyIndexes);

    public override int GetHashCode() => HashCode.Combine(Schema, Name, Target);
}
