using System.Security.Claims;
using System.Text.Json;
using Ferry.Engine.Control;
using Ferry.Engine.Ddl;
using Ferry.Engine.Nodes;
using Ferry.Engine.Queue;
using Ferry.Engine.Replication.Internal;
using Ferry.Engine.Replication.Subscriptions;
using Ferry.Engine.Rules;
using Ferry.Engine.Target;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Npgsql;
using static Ferry.Engine.Replication.Internal.NodeReachability;
using static Ferry.Engine.Replication.Internal.SubscriptionLoader;

namespace Ferry.Engine.Replication.Ddl;

/// <summary>
/// DDL through the queue (role <see cref="FerryRoles.Operator"/>, docs/decisions/ADR-020-ddl-and-sequences-in-the-stream.md): a
/// script is checked (statements Ferry cannot carry are refused, then it runs on the root in a transaction that is rolled
/// back), then runs on the root in the transaction that queues it as an event; each subscriber runs it at that point of its
/// stream. A subscriber on which it fails stops in error at that event; the operator fixes the cause and resumes, or skips
/// the script there. Every submit and skip is audited with the script.
/// </summary>
public sealed class DdlService(
    IDbContextFactory<ControlDbContext> contexts, NodeDataSources nodes, SubscriptionService subscriptions, TimeProvider time,
    ILogger<DdlService> logger)
{
    /// <summary>How long a statement of the script waits for a lock on the root before the submit is refused.</summary>
    public static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(10);

    private readonly ReplicationAudit _audit = new(time, logger);

    /// <summary>Checks the script, runs it on the set's root and queues it for every subscriber.</summary>
    /// <exception cref="ReplicationRefusedException">The script cannot be carried, or fails on the root (nothing changed).</exception>
    public async Task<DdlSubmitted> SubmitAsync(ClaimsPrincipal user, int setId, string? script, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Operator);
        ArgumentNullException.ThrowIfNull(user);
        DdlScript parsed;
        try
        {
            parsed = DdlScript.Parse(script);
        }
        catch (DdlRefusedException refused)
        {
            throw new ReplicationRefusedException(refused.Message);
        }
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var set = await context.Sets.Include(s => s.RootNode).SingleOrDefaultAsync(s => s.Id == setId, cancellationToken)
            .ConfigureAwait(false) ?? throw Refusals.NoSet(setId);
        var by = user.Identity?.Name ?? "anonymous";
        await using var root = nodes.Open(set.RootNode!, "ferry-admin", freshConnections: true);
        var queued = await OnNodeAsync(set.RootNode!, async () =>
        {
            var version = await QueueSchema.GetInstalledVersionAsync(root, cancellationToken).ConfigureAwait(false);
            if (version < QueueStream.Version)
            {
                throw new ReplicationRefusedException(
                    $"An Admin must upgrade Ferry on node '{set.RootNode!.Name}' first (Nodes, Install): its Ferry schema is at "
                    + $"version {version}, DDL through the queue needs version {QueueStream.Version}.", RefusalKind.NeedsAdmin);
            }
            var statements = parsed.Statements(p => p.Name);
            await RunOnRootAsync(root, set.QueueName, parsed, statements, by, commit: false, cancellationToken).ConfigureAwait(false);
            return await RunOnRootAsync(root, set.QueueName, parsed, statements, by, commit: true, cancellationToken).ConfigureAwait(false);
        }).ConfigureAwait(false);
        var submitted = new DdlSubmitted(set.Id, queued.DdlId, queued.EventId, parsed.Statements(p => p.Name).Count);
        await _audit.AuditAsync(context, user, "ddl", nameof(ReplicationSet), set.Id, null,
            new { submitted.DdlId, submitted.EventId, Script = parsed.Text }, null, cancellationToken).ConfigureAwait(false);
        return submitted;
    }

    /// <summary>
    /// Skips, on this subscriber only, the DDL script the subscription stopped at, and resumes it. The script stays applied on
    /// the root and on the other subscribers; the operator brings this target to the same shape by hand when needed.
    /// </summary>
    /// <exception cref="ReplicationRefusedException">The subscription is not stopped at a DDL script (409).</exception>
    public async Task<SubscriptionInfo> SkipAsync(ClaimsPrincipal user, int subscriptionId, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Operator);
        ArgumentNullException.ThrowIfNull(user);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var subscription = await LoadAsync(context, subscriptionId, cancellationToken).ConfigureAwait(false);
        QueueEvent? failed;
        await using (var target = nodes.Open(subscription.TargetNode!, "ferry-admin", freshConnections: true))
        {
            var row = await OnNodeAsync(subscription.TargetNode!,
                () => new TargetStateStore(target, subscription.ConsumerName).GetSubscriptionAsync(cancellationToken)).ConfigureAwait(false);
            failed = row.State == "error" && row.FailedEvent is { } json ? JsonSerializer.Deserialize<QueueEvent>(json) : null;
        }
        if (failed is not { Type: EventTypes.Ddl })
        {
            throw ReplicationRefusedException.Conflict(
                $"Subscription {subscriptionId} is not stopped at a DDL script: there is nothing to skip.");
        }
        await using (var root = nodes.Open(subscription.Set!.RootNode!, "ferry-admin", freshConnections: true))
        {
            await OnNodeAsync(subscription.Set.RootNode!, () => QueueStream.SkipDdlAsync(
                root, subscription.Set.QueueName, failed.Id, subscription.ConsumerName, user.Identity?.Name ?? "anonymous",
                cancellationToken)).ConfigureAwait(false);
        }
        await _audit.AuditAsync(context, user, "skip-ddl", nameof(Subscription), subscription.Id, null,
            new { EventId = failed.Id, Script = failed.Extra }, subscription.Id, cancellationToken).ConfigureAwait(false);
        return await subscriptions.ResumeAsync(user, subscriptionId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs the script on the root in one transaction: rolled back (the check), or committed with its event queued first,
    /// after the tables it names are locked.
    /// </summary>
    private static async Task<(long DdlId, long EventId)> RunOnRootAsync(
        NpgsqlDataSource root, string queue, DdlScript script, IReadOnlyList<string> statements, string by, bool commit,
        CancellationToken cancellationToken)
    {
        await using var connection = await root.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var timeout = new NpgsqlCommand(
            $"SET LOCAL lock_timeout = '{(int)LockTimeout.TotalMilliseconds}ms'", connection, transaction))
        {
            await timeout.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        var tables = script.Tables.ToList();
        await CheckNamesAsync(connection, transaction, script, cancellationToken).ConfigureAwait(false);
        var queued = (DdlId: 0L, EventId: 0L);
        if (commit)
        {
            queued = await QueueStream.QueueDdlAsync(connection, transaction, queue, script.Text, by,
                [.. tables.Select(t => t.Quoted)], cancellationToken).ConfigureAwait(false);
        }
        for (var i = 0; i < statements.Count; i++)
        {
            await using var command = new NpgsqlCommand(statements[i], connection, transaction);
            try
            {
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException error)
            {
                throw new ReplicationRefusedException(
                    $"Statement {i + 1} of the script failed on the root: {error.MessageText} (SQLSTATE {error.SqlState}). "
                    + "Nothing was changed: fix the script and submit it again.");
            }
        }
        if (commit)
        {
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
        }
        return queued;
    }

    /// <summary>Every placeholder names an object the root has, of its kind.</summary>
    private static async Task CheckNamesAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, DdlScript script, CancellationToken cancellationToken)
    {
        foreach (var placeholder in script.Placeholders)
        {
            await using var command = new NpgsqlCommand(
                "SELECT c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2",
                connection, transaction);
            command.Parameters.Add(new NpgsqlParameter { Value = placeholder.Name.Schema });
            command.Parameters.Add(new NpgsqlParameter { Value = placeholder.Name.Name });
            var kind = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
            var fits = placeholder.Kind == PlaceholderKind.Table ? kind is "r" or "p" : kind == "S";
            if (!fits)
            {
                var what = placeholder.Kind == PlaceholderKind.Table ? "table" : "sequence";
                throw new ReplicationRefusedException(
                    $"The root has no {what} {placeholder.Name} (named by a placeholder): check the schema and name (both are "
                    + "case-sensitive).");
            }
        }
    }
}
