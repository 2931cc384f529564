using Ferry.Engine.Apply.Handlers;
using Ferry.Engine.Queue;
using Ferry.Engine.Rules;
using Npgsql;

namespace Ferry.Engine.Replication.Internal;

/// <summary>
/// The handler a table rule is saved with (docs/decisions/ADR-019-handlers.md): its name must be one of
/// <see cref="HandlerRegistry.Names"/>, its options hold on the target; a handler that needs no key takes a keyless table,
/// captured without one (<see cref="KeylessCapture"/>).
/// </summary>
internal static class HandlerChoice
{
    /// <summary>The handler kind named, bulk for none.</summary>
    /// <exception cref="ReplicationRefusedException">No handler has this name; the message lists the names.</exception>
    public static HandlerKind Kind(string? name) => HandlerRegistry.Kind(string.IsNullOrWhiteSpace(name) ? null : name.Trim())
        ?? throw new ReplicationRefusedException(
            $"There is no handler '{name}': choose one of {string.Join(", ", HandlerRegistry.Names)} (none for {HandlerRegistry.Bulk}).");

    /// <summary>The stored name: null for the default.</summary>
    public static string? StoredName(HandlerKind kind) => kind.Name == HandlerRegistry.Bulk ? null : kind.Name;

    /// <summary>Refuses options that do not hold for the rule on the target, saying what to fix.</summary>
    public static async Task CheckAsync(
        HandlerKind kind, NpgsqlDataSource target, TableRule rule, IReadOnlyDictionary<string, string> options,
        CancellationToken cancellationToken)
    {
        if (await kind.ProblemAsync(target, rule, options, cancellationToken).ConfigureAwait(false) is { } problem)
        {
            throw new ReplicationRefusedException($"The options of handler {kind.Name} for {rule.Source} do not hold: {problem}.");
        }
    }

    /// <summary>Starts capturing the rule's source table on the root: without a key when the rule has none.</summary>
    public static async Task CaptureAsync(NpgsqlDataSource source, string queue, TableRule rule, CancellationToken cancellationToken)
    {
        try
        {
            if (rule.Key.Count == 0)
            {
                await KeylessCapture.EnableAsync(source, queue, rule.SourceTable, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await new QueueAdmin(source).EnableCaptureAsync(queue, rule.SourceTable, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (CaptureRefusedException e)
        {
            throw new ReplicationRefusedException(e.Message, e);
        }
    }
}
