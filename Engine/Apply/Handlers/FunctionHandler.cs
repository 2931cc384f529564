using Ferry.Engine.Consumers;
using Ferry.Engine.Drift;
using Ferry.Engine.Queue;
using Ferry.Engine.Rules;
using Ferry.Engine.Sql;
using Ferry.Engine.Target;
using Npgsql;

namespace Ferry.Engine.Apply.Handlers;

/// <summary>
/// Passes each change to a function the DBA writes on the target, <c>f(operation text, new_row jsonb, old_key jsonb)</c>, in the
/// batch's transaction and in event order (docs/decisions/ADR-019-handlers.md): <c>INSERT</c> (new row, no old key),
/// <c>UPDATE</c> (new row; old key = the row's key, a key change arrives as a DELETE of the old key first), <c>DELETE</c>
/// (old key; also an insert or update whose row left the filter), <c>TRUNCATE</c> (neither). The rows are typed by the rule's
/// target table first, so the jsonb holds its values as the target's columns read them. An error raised by the function
/// stops the table with the function's message; its changes are kept until it is retried.
/// </summary>
public sealed class FunctionHandler(string function) : IHandler
{
    private string? _quoted;

    /// <summary>True: an error names the change it failed on.</summary>
    public bool NamesFailingEvent => true;

    public async Task<HandlerResult> ApplyAsync(HandlerTarget target, IAsyncEnumerable<ApplyEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(events);
        var replica = await ReplicaRole.TrySetAsync(target.Connection, target.Transaction, cancellationToken).ConfigureAwait(false);
        _quoted ??= await FunctionHandlerKind.QuotedAsync(target.Connection, target.Transaction, function, cancellationToken).ConfigureAwait(false)
            ?? throw new ApplyException($"The handler function {function} is not a schema.name: change the table's handler options.");
        var commands = new Dictionary<string, NpgsqlCommand>(StringComparer.Ordinal);
        var count = 0;
        try
        {
            await foreach (var item in events.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                count++;
                var e = item.Event;
                var rule = target.RuleFor(e);
                var operation = ChangeOperation.Of(item, "function");
                if (!commands.TryGetValue(rule.SourceTable, out var command))
                {
                    command = Command(target, rule);
                    commands[rule.SourceTable] = command;
                }
                command.Parameters[0].Value = operation;
                command.Parameters[1].Value = (object?)e.Data ?? DBNull.Value;
                try
                {
                    await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (PostgresException ex) when (!ApplyErrors.IsTransientState(ex.SqlState))
                {
                    throw new DriftException(rule.SourceTable, stop: true,
                        $"The handler function {_quoted} failed on event {e.Id} ({operation} of {rule.Source}): {ex.MessageText} "
                        + $"(SQLSTATE {ex.SqlState}). Fix the function or the target, then retry the table: its changes are kept on the "
                        + "target until then.");
                }
            }
        }
        finally
        {
            foreach (var command in commands.Values)
            {
                await command.DisposeAsync().ConfigureAwait(false);
            }
        }
        return new HandlerResult(count, replica);
    }

    /// <summary>
    /// One statement for every change of a table: $1 the operation, $2 the row's JSON text (null for a truncate). The new row
    /// goes for INSERT and UPDATE, the key for UPDATE and DELETE.
    /// </summary>
    private NpgsqlCommand Command(HandlerTarget target, TableRule rule)
    {
        var key = string.Join(", ", rule.Key.Select(k => $"{TargetTableSql.Literal(k)}, r.{Identifiers.Quote(k)}"));
        var sql = $"""
            SELECT {_quoted}($1, CASE WHEN $1 IN ('INSERT', 'UPDATE') THEN to_jsonb(r) END,
                             CASE WHEN $1 IN ('UPDATE', 'DELETE') THEN jsonb_build_object({key}) END)
            FROM (SELECT 1) AS one LEFT JOIN LATERAL {TargetTableSql.Populate(rule, "$2::json")} ON true
            """;
        var command = new NpgsqlCommand(sql, target.Connection, target.Transaction);
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        return command;
    }
}

/// <summary>The <c>function</c> handler: its option names the function, checked on the target when the rule is saved.</summary>
internal sealed class FunctionHandlerKind : HandlerKind
{
    public const string FunctionOption = "function";

    public override string Name => HandlerRegistry.Function;

    public override string Description =>
        "Each change to a function you write on the target, f(operation text, new_row jsonb, old_key jsonb), in the batch's transaction.";

    public override IReadOnlyList<HandlerOption> Options =>
        [new(FunctionOption, "schema.name of a function (text, jsonb, jsonb) on the target, e.g. audit.apply_change")];

    public override async Task<string?> ProblemAsync(
        NpgsqlDataSource target, TableRule rule, IReadOnlyDictionary<string, string> options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(options);
        if (HandlerOptions.Problem(this, options) is { } problem)
        {
            return problem;
        }
        var name = options[FunctionOption].Trim();
        await using var connection = await target.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        if (await QuotedAsync(connection, null, name, cancellationToken).ConfigureAwait(false) is not { } quoted)
        {
            return $"'{name}' is not a function name: write it as schema.name (quote a name with capitals: \"Audit\".apply)";
        }
        await using var command = new NpgsqlCommand("""
            SELECT has_function_privilege(p.oid, 'EXECUTE')
              FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace, parse_ident($1) AS a
             WHERE n.nspname = a[1] AND p.proname = a[2] AND p.proargtypes = '25 3802 3802'::oidvector
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = name });
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) switch
        {
            true => null,
            false => $"Ferry's user on the target may not execute {quoted}(text, jsonb, jsonb): GRANT EXECUTE on it",
            _ => $"the target has no function {quoted}(text, jsonb, jsonb): create it, e.g. CREATE FUNCTION {quoted}(operation text, "
                + "new_row jsonb, old_key jsonb) RETURNS void LANGUAGE plpgsql AS $$ ... $$",
        };
    }

    public override IHandler Create(IReadOnlyDictionary<string, string> options, ApplyOptions limits)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new FunctionHandler(options[FunctionOption].Trim());
    }

    /// <summary>The name as <c>"schema"."name"</c>, parsed on the server; null when it is not two identifiers.</summary>
    internal static async Task<string?> QuotedAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, string name, CancellationToken cancellationToken)
    {
        // parse_ident raises on a malformed name (checked when the rule is saved, outside any apply transaction).
        await using var command = new NpgsqlCommand(
            "SELECT CASE WHEN cardinality(a) = 2 THEN quote_ident(a[1]) || '.' || quote_ident(a[2]) END FROM parse_ident($1) AS a",
            connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = name });
        try
        {
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
        }
        catch (PostgresException) when (transaction is null)
        {
            return null;
        }
    }
}
