using System.Security.Claims;
using Ferry.Engine.Control;
using Ferry.Engine.Nodes;
using Ferry.Engine.Queue;
using Ferry.Engine.Replication.Internal;
using Ferry.Engine.Rules;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Npgsql;
using static Ferry.Engine.Replication.Internal.InfoMapping;
using static Ferry.Engine.Replication.Internal.NodeReachability;
using static Ferry.Engine.Replication.Internal.SubscriptionLoader;

namespace Ferry.Engine.Replication.Sequences;

/// <summary>
/// Adds the sequences a subscription carries to its target (role <see cref="FerryRoles.Operator"/>); the housekeeping job moves
/// their values, never backwards. Refusals are <see cref="ReplicationRefusedException"/>s thrown before anything changes; every
/// change writes an audit entry.
/// </summary>
public sealed class SequenceRuleService(
    IDbContextFactory<ControlDbContext> contexts, NodeDataSources nodes, TimeProvider time, ILogger<SequenceRuleService> logger)
{
    private readonly ReplicationAudit _audit = new(time, logger);

    /// <summary>Adds a sequence whose value the subscription carries to the target (never backwards).</summary>
    public async Task<SequenceInfo> AddSequenceAsync(
        ClaimsPrincipal user, int subscriptionId, string source, string? target, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Operator);
        var sourceName = Names.Parse(source, "source sequence");
        var targetName = string.IsNullOrWhiteSpace(target) ? sourceName : Names.Parse(target, "target sequence");
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var subscription = await LoadAsync(context, subscriptionId, cancellationToken).ConfigureAwait(false);
        if (subscription.Sequences.Any(s => s.SourceSchema == sourceName.Schema && s.SourceSequence == sourceName.Name))
        {
            throw ReplicationRefusedException.Conflict($"{sourceName} is already part of this subscription.");
        }
        await using (var sourceData = nodes.Open(subscription.Set!.RootNode!, "ferry-admin", freshConnections: true))
        await using (var targetData = nodes.Open(subscription.TargetNode!, "ferry-admin", freshConnections: true))
        {
            if (!await OnNodeAsync(subscription.Set.RootNode!, () => IsSequenceAsync(sourceData, sourceName, cancellationToken))
                .ConfigureAwait(false))
            {
                throw new ReplicationRefusedException(
                    $"The source has no sequence {sourceName}: check the schema and name (both are case-sensitive).");
            }
            if (!await OnNodeAsync(subscription.TargetNode!, () => IsSequenceAsync(targetData, targetName, cancellationToken))
                .ConfigureAwait(false))
            {
                throw new ReplicationRefusedException($"The target has no sequence {targetName}: create it first.");
            }
            if (await QueueSchema.GetInstalledVersionAsync(sourceData, cancellationToken).ConfigureAwait(false) >= QueueStream.Version)
            {
                // Its values travel with the set's ticks from now on (docs/decisions/ADR-020-ddl-and-sequences-in-the-stream.md).
                await QueueStream.RegisterSequenceAsync(sourceData, subscription.Set.QueueName, sourceName.Quoted, cancellationToken)
                    .ConfigureAwait(false);
            }
        }
        var rule = new SequenceRule
        {
            SubscriptionId = subscription.Id,
            SourceSchema = sourceName.Schema,
            SourceSequence = sourceName.Name,
            TargetSchema = targetName.Schema,
            TargetSequence = targetName.Name,
        };
        context.SequenceRules.Add(rule);
        await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        var info = Info(rule);
        await _audit.AuditAsync(context, user, "create", nameof(SequenceRule), rule.Id, null, info, subscription.Id, cancellationToken)
            .ConfigureAwait(false);
        return info;
    }

    private static async Task<bool> IsSequenceAsync(NpgsqlDataSource data, TableName sequence, CancellationToken cancellationToken)
    {
        await using var command = data.CreateCommand(
            "SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            + "WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind = 'S')");
        command.Parameters.Add(new NpgsqlParameter { Value = sequence.Schema });
        command.Parameters.Add(new NpgsqlParameter { Value = sequence.Name });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }
}
