using Ferry.Engine.Apply;
using Ferry.Engine.Control;
using Ferry.Engine.Ddl;
using Ferry.Engine.Queue;
using Ferry.Engine.Rules;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Ferry.Engine.Replication.Internal;

/// <summary>
/// What a subscription's loop carries besides row changes when its root's queue is at schema v7 or later
/// (docs/decisions/ADR-020-ddl-and-sequences-in-the-stream.md): DDL scripts and sequence values as batch steps, and whether a
/// script is pending for its consumer (the rules then follow the target's columns until it ran). On an older queue: nothing
/// (sequences then move by the housekeeping job).
/// </summary>
/// <param name="Steps">The batch steps, or null on an older queue.</param>
/// <param name="DdlPending">Whether a script the consumer has not passed yet was queued, when the loop is built.</param>
/// <param name="Pending">Asks that again (the drift check does when a table's source changed shape), or null on an older queue.</param>
internal sealed record LoopStream(IBatchSteps? Steps, bool DdlPending, Func<CancellationToken, Task<bool>>? Pending)
{
    public static async Task<LoopStream> OpenAsync(
        NpgsqlDataSource root, Subscription subscription, ILogger logger, CancellationToken cancellationToken)
    {
        if (await QueueSchema.GetInstalledVersionAsync(root, cancellationToken).ConfigureAwait(false) < QueueStream.Version)
        {
            return new LoopStream(null, false, null);
        }
        var queue = subscription.Set!.QueueName;
        var consumer = subscription.ConsumerName;
        var sequences = subscription.Sequences
            .Select(s => (new TableName(s.SourceSchema, s.SourceSequence), new TableName(s.TargetSchema, s.TargetSequence)))
            .ToList();
        foreach (var (source, _) in sequences)
        {
            // Registering twice changes nothing: rules made before the queue was at v7 are registered here.
            await QueueStream.RegisterSequenceAsync(root, queue, source.Quoted, cancellationToken).ConfigureAwait(false);
        }
        return new LoopStream(
            new DdlSteps(root, queue, consumer, sequences, logger),
            await QueueStream.DdlPendingAsync(root, queue, consumer, cancellationToken).ConfigureAwait(false),
            ct => QueueStream.DdlPendingAsync(root, queue, consumer, ct));
    }
}
