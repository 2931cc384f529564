using Ferry.Engine.Apply;
using Ferry.Engine.Apply.Handlers;
using Ferry.Engine.Consumers;
using Ferry.Engine.Ddl.Internal;
using Ferry.Engine.Queue;
using Ferry.Engine.Rules;
using Ferry.Engine.Sequences;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Ferry.Engine.Ddl;

/// <summary>
/// The steps of a subscription on a queue of schema v7 (docs/decisions/ADR-020-ddl-and-sequences-in-the-stream.md), in the
/// batch's one target transaction: a DDL event runs its script at its point of the stream, placeholders resolved to the
/// rules' target names; and before the batch's tick is recorded, the subscription's target sequences move to the values
/// the source's sequences had at that tick (never backwards).
/// </summary>
/// <param name="root">The set's root.</param>
/// <param name="queue">The set's queue.</param>
/// <param name="consumer">The subscription's consumer (a script skipped for it is passed over).</param>
/// <param name="sequences">The subscription's sequence rules.</param>
public sealed class DdlSteps(
    NpgsqlDataSource root, string queue, string consumer, IReadOnlyList<(TableName Source, TableName Target)> sequences, ILogger logger)
    : IBatchSteps
{
    public bool IsStep(QueueEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return e.Type == EventTypes.Ddl;
    }

    public async Task<IReadOnlyList<TableRule>> RunStepAsync(QueueEvent e, HandlerTarget target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(target);
        if (await QueueStream.DdlSkippedAsync(root, queue, e.Id, consumer, cancellationToken).ConfigureAwait(false))
        {
            logger.DdlSkipped(consumer, e.Id);
            return [];
        }
        DdlScript script;
        try
        {
            script = DdlScript.Parse(e.Extra);
        }
        catch (DdlRefusedException refused)
        {
            throw new ApplyException($"The DDL script of event {e.Id} cannot run: {refused.Message}", e, refused);
        }
        var rules = target.Rules.Values.ToList();
        var tables = script.Tables.ToList();
        if (tables.Count > 0 && !tables.Any(t => rules.Any(r => r.Source == t)))
        {
            // Every table the script names is one this subscription does not carry: not its business.
            logger.DdlNotCarried(consumer, e.Id);
            return [];
        }
        var statements = script.Statements(p => Resolve(p, rules));
        for (var i = 0; i < statements.Count; i++)
        {
            await using var command = new NpgsqlCommand(statements[i], target.Connection, target.Transaction);
            try
            {
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException error)
            {
                throw new ApplyException(
                    $"The DDL script of event {e.Id} failed on the target at statement {i + 1} of {statements.Count} "
                    + $"({Head(statements[i])}): {error.MessageText}. Nothing of its batch was applied. Fix the cause on the target, "
                    + "then resume the subscription (the script runs again), or skip the script on this subscriber", e, error);
            }
        }
        logger.DdlRan(consumer, e.Id, statements.Count);
        return await RuleRefresh.AfterDdlAsync(root, target, rules, cancellationToken).ConfigureAwait(false);
    }

    public async Task FinishAsync(Batch batch, HandlerTarget target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(target);
        if (sequences.Count == 0)
        {
            return;
        }
        var values = await QueueStream.TickSequencesAsync(root, queue, batch.TickId, cancellationToken).ConfigureAwait(false);
        foreach (var (source, to) in sequences)
        {
            if (values.TryGetValue(source.Quoted, out var value))
            {
                await SequenceSync.ApplyAsync(target.Connection, target.Transaction, to, new SequenceValue(value.LastValue, value.IsCalled),
                    cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private TableName Resolve(Placeholder placeholder, List<TableRule> rules) => placeholder.Kind switch
    {
        PlaceholderKind.Table => rules.FirstOrDefault(r => r.Source == placeholder.Name)?.Target ?? placeholder.Name,
        _ => sequences.FirstOrDefault(s => s.Source == placeholder.Name).Target ?? placeholder.Name,
    };

    private static string Head(string statement)
    {
        var flat = string.Join(' ', statement.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return flat.Length <= 60 ? flat : flat[..60] + "...";
    }
}
