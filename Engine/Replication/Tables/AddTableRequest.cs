namespace Ferry.Engine.Replication.Tables;

/// <summary>What a user asks for when adding a table to a subscription.</summary>
/// <param name="Source">The source table as <c>schema.table</c>.</param>
/// <param name="Target">The target table as <c>schema.table</c>; null for the source's name.</param>
/// <param name="Filter">Row filter: a SQL boolean expression over the source row; null for every row.</param>
/// <param name="Key">Name of a unique index over NOT NULL columns to use as key; null for the primary key.</param>
/// <param name="CreateTarget">Create the target table from the source definition when it does not exist.</param>
/// <param name="AddMissingColumns">
/// A column added to the source table later is added to the target table by Ferry, instead of stopping the table until an
/// operator adds it and retries (docs/decisions/ADR-014-exact-row-encoding.md).
/// </param>
/// <param name="OwnedRows">
/// For a merge, where several sets write the same target table: a SQL boolean expression over the target row that holds
/// for exactly this source's rows (<c>hashtext(userid::text) &amp; 3 = 1</c>); a copy or resync then deletes and reloads only
/// those. Every rule writing the table must have one, and they must not overlap (docs/decisions/ADR-021-merge.md).
/// </param>
/// <param name="Handler">
/// The handler that applies the table's changes, one of <c>HandlerRegistry.Names</c>; null for <c>bulk</c>
/// (docs/decisions/ADR-019-handlers.md). <c>append</c> and <c>partition</c> take tables without a key.
/// </param>
/// <param name="HandlerOptions">The handler's options (<c>function</c>: the function's name, ...); null for none.</param>
public sealed record AddTableRequest(
    string Source, string? Target = null, string? Filter = null, string? Key = null, bool CreateTarget = false,
    bool AddMissingColumns = false, string? OwnedRows = null, string? Handler = null, IReadOnlyDictionary<string, string>? HandlerOptions = null);
