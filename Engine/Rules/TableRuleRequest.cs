namespace Ferry.Engine.Rules;

/// <summary>What a user asks for when adding a source table to a subscription.</summary>
/// <param name="Source">The source table.</param>
/// <param name="Target">The target table; null means the same schema and name as the source.</param>
/// <param name="Filter">Optional row filter: a SQL boolean expression over the source table's columns.</param>
/// <param name="KeyIndex">Optional name of a unique index over NOT NULL columns to use as key instead of the primary key.</param>
/// <param name="TargetShape">
/// Replicate only the source columns the target table has: while a DDL script queued on the root has not run on the target
/// yet, its columns are those of the events before the script (docs/decisions/ADR-020-ddl-and-sequences-in-the-stream.md).
/// </param>
/// <param name="CreateTarget">Create the target table from the source definition when it does not exist.</param>
/// <param name="TargetSchemas">
/// The target node's allowed schemas; null checks only that the target is not in a schema of Ferry or PostgreSQL.
/// </param>
/// <param name="OwnedRows">
/// For a merge: a SQL boolean expression over the target row saying which target rows this rule owns (see
/// <see cref="TableRule.OwnedRows"/>); null when the rule owns the whole target table.
/// </param>
/// <param name="KeylessAllowed">
/// The rule's handler needs no key (it only inserts: docs/decisions/ADR-019-handlers.md): a table without a primary key is
/// accepted with an empty key instead of refused.
/// </param>
public sealed record TableRuleRequest(
    TableName Source, TableName? Target = null, string? Filter = null, string? KeyIndex = null, bool CreateTarget = false,
    TargetSchemas? TargetSchemas = null, bool TargetShape = false, string? OwnedRows = null, bool KeylessAllowed = false);
