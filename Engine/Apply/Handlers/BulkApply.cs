namespace Ferry.Engine.Apply.Handlers;

/// <summary>How <see cref="BulkHandler"/> writes the folded rows into the target table.</summary>
public enum BulkApply
{
    /// <summary>DELETE ... USING for deletes, then INSERT ... ON CONFLICT DO UPDATE for the rest (any PostgreSQL).</summary>
    Upsert,

    /// <summary>One MERGE for both on PostgreSQL 15+; falls back to <see cref="Upsert"/> on older servers.</summary>
    Merge,
}
