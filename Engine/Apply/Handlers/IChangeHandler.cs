using Npgsql;

namespace Ferry.Engine.Apply.Handlers;

/// <summary>
/// The interface a .NET handler implements (docs/handlers.md, docs/decisions/ADR-019-handlers.md): an assembly in the folder
/// <c>Handlers:Folder</c> names in <c>appsettings.json</c>, loaded at startup, each public non-abstract type implementing it
/// (with a public parameterless constructor) becoming a handler a table rule may name. Ferry calls
/// <see cref="ApplyAsync"/> once per change of the table, in event order, inside the batch's target transaction: whatever the
/// handler writes with <see cref="ChangeTarget.Connection"/> commits with the batch's tick, exactly once, or not at all.
/// </summary>
public interface IChangeHandler
{
    /// <summary>The name a rule stores (letters, digits, <c>_</c> and <c>-</c>); must differ from every other handler's.</summary>
    string Name { get; }

    /// <summary>One line for the portal's picker: what it does with the table's changes.</summary>
    string Description { get; }

    /// <summary>The options a rule may give it (checked like a filter: an unknown one or a missing required one is refused).</summary>
    IReadOnlyList<HandlerOption> Options => [];

    /// <summary>
    /// Applies one change. Throw to stop the table: the message is shown with it, and its changes are kept on the target until
    /// the operator retries it. Never commit or roll back the transaction.
    /// </summary>
    Task ApplyAsync(TableChange change, ChangeTarget target, CancellationToken cancellationToken);
}

/// <summary>One change of a replicated table, as a .NET handler gets it.</summary>
/// <param name="EventId">The queue event's id (increasing within a batch).</param>
/// <param name="Operation"><c>INSERT</c>, <c>UPDATE</c>, <c>DELETE</c> (also a row that left the row filter) or <c>TRUNCATE</c>.</param>
/// <param name="SourceTable">The source table as the queue names it: <c>quote_ident(schema).quote_ident(name)</c>.</param>
/// <param name="TargetTable">The rule's target table, <c>"schema"."name"</c> (quoted, safe in SQL text).</param>
/// <param name="NewRow">INSERT, UPDATE: the row as jsonb text, typed by the target table's columns; else null.</param>
/// <param name="OldKey">UPDATE, DELETE: the row's key columns as jsonb text (a key change is a DELETE, then an UPDATE); else null.</param>
public sealed record TableChange(long EventId, string Operation, string SourceTable, string TargetTable, string? NewRow, string? OldKey);

/// <summary>Where a .NET handler writes: the batch's target connection and transaction, and the rule's options for it.</summary>
public sealed record ChangeTarget(NpgsqlConnection Connection, NpgsqlTransaction Transaction, IReadOnlyDictionary<string, string> Options);
