using System.Security.Claims;
using System.Text.RegularExpressions;
using Ferry.Engine.Apply;
using Ferry.Engine.Consumers;
using Ferry.Engine.Control;
using Ferry.Engine.Queue;
using Ferry.Engine.Replication.Internal;
using Ferry.Engine.Rules;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Npgsql;
using ControlTableRule = Ferry.Engine.Control.TableRule;
using ControlTableState = Ferry.Engine.Control.TableState;

namespace Ferry.Engine.Replication;

/// <summary>
/// The replication changes the portal and <c>/api</c> offer: sets, subscriptions, tables, sequences. Each operation checks
/// the caller's role (<see cref="FerryRoles.Operator"/>), refuses bad input with a <see cref="ReplicationRefusedException"/>
/// before it changes anything, changes the nodes, then the control database, and writes an audit entry (who, what,
/// before/after).
/// </summary>
/// <remarks>
/// The loops pick changes up by themselves: a running apply loop rereads its subscription every
/// <see cref="ReplicationOptions.ControlPollInterval"/>, and new or resumed subscriptions are started at once through
/// <see cref="IReplicationLoopStarter"/> (the supervisor would start them within a minute anyway).
/// </remarks>
public sealed partial class ReplicationService(
    IDbContextFactory<ControlDbContext> contexts, NodeConnections connections, IReplicationLoopStarter loops, TimeProvider time,
    ILogger<ReplicationService> logger)
{
    private readonly NodeDataSources _nodes = new(connections);

    /// <summary>Creates a set rooted at a node: installs the queue schema on the root and creates the set's queue there.</summary>
    /// <param name="name">1 to 50 characters: lower-case letters, digits, underscores; also the queue's name.</param>
    public async Task<SetInfo> CreateSetAsync(ClaimsPrincipal user, string name, int rootNodeId, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Operator);
        name = name?.Trim() ?? "";
        if (!SetName().IsMatch(name))
        {
            throw new ReplicationRefusedException(
                $"'{name}' is not a valid set name: use 1 to 50 lower-case letters, digits and underscores, starting with a letter.");
        }
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var root = await context.Nodes.FindAsync([rootNodeId], cancellationToken).ConfigureAwait(false)
            ?? throw NoNode(rootNodeId);
        if (await context.Sets.AnyAsync(s => s.Name == name, cancellationToken).ConfigureAwait(false))
        {
            throw ReplicationRefusedException.Conflict($"A set named '{name}' exists already: choose another name.");
        }
        await using (var source = _nodes.Open(root, "ferry-admin"))
        {
            await OnNodeAsync(root, async () =>
            {
                await QueueSchema.InstallAsync(source, cancellationToken).ConfigureAwait(false);
                await new QueueAdmin(source).CreateQueueAsync(name, cancellationToken).ConfigureAwait(false);
            }).ConfigureAwait(false);
        }
        var set = new ReplicationSet { Name = name, RootNodeId = root.Id, QueueName = name };
        context.Sets.Add(set);
        await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        var info = new SetInfo(set.Id, set.Name, set.RootNodeId, set.QueueName);
        await AuditAsync(context, user, "create", nameof(ReplicationSet), set.Id, null, info, null, cancellationToken)
            .ConfigureAwait(false);
        loops.StartTicker(set.Id);
        return info;
    }

    /// <summary>Drops a set that has no subscriptions left: its queue (events, ticks, capture triggers) goes from the root.</summary>
    public async Task DropSetAsync(ClaimsPrincipal user, int setId, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Operator);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var set = await context.Sets.Include(s => s.RootNode).Include(s => s.Subscriptions)
            .SingleOrDefaultAsync(s => s.Id == setId, cancellationToken).ConfigureAwait(false) ?? throw NoSet(setId);
        if (set.Subscriptions.Count > 0)
        {
            throw ReplicationRefusedException.Conflict(
                $"Set '{set.Name}' still has {set.Subscriptions.Count} subscription(s): drop them first.");
        }
        await using (var source = _nodes.Open(set.RootNode!, "ferry-admin"))
        {
            await OnNodeAsync(set.RootNode!, () => new QueueAdmin(source).DropQueueAsync(set.QueueName, cancellationToken))
                .ConfigureAwait(false);
        }
        var before = new SetInfo(set.Id, set.Name, set.RootNodeId, set.QueueName);
        context.Sets.Remove(set);
        await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await AuditAsync(context, user, "delete", nameof(ReplicationSet), setId, before, null, null, cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>
    /// Subscribes a target node to a set: registers the subscription's consumer on the root's queue (it gets what commits
    /// from now on) and installs Ferry's target state on the target; starts its apply loop.
    /// </summary>
    public async Task<SubscriptionInfo> SubscribeAsync(
        ClaimsPrincipal user, int setId, int targetNodeId, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Operator);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var set = await context.Sets.Include(s => s.RootNode).Include(s => s.Subscriptions)
            .SingleOrDefaultAsync(s => s.Id == setId, cancellationToken).ConfigureAwait(false) ?? throw NoSet(setId);
        var target = await context.Nodes.FindAsync([targetNodeId], cancellationToken).ConfigureAwait(false) ?? throw NoNode(targetNodeId);
        if (target.Id == set.RootNodeId)
        {
            throw new ReplicationRefusedException($"Node '{target.Name}' is the root of set '{set.Name}': subscribe another node.");
        }
        if (set.Subscriptions.Any(s => s.TargetNodeId == target.Id))
        {
            throw ReplicationRefusedException.Conflict($"Node '{target.Name}' is already subscribed to set '{set.Name}'.");
        }
        var consumer = ConsumerName(set, target);
        await using (var source = _nodes.Open(set.RootNode!, "ferry-admin"))
        await using (var targetData = _nodes.Open(target, "ferry-admin"))
        {
            await OnNodeAsync(target, () => new TargetStateStore(targetData, consumer).InstallAsync(cancellationToken))
                .ConfigureAwait(false);
            await OnNodeAsync(set.RootNode!, () => new QueueConsumer(source, set.QueueName, consumer).RegisterAsync(cancellationToken))
                .ConfigureAwait(false);
        }
        var subscription = new Subscription { SetId = set.Id, TargetNodeId = target.Id, ConsumerName = consumer };
        context.Subscriptions.Add(subscription);
        await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        var info = Info(subscription);
        await AuditAsync(context, user, "create", nameof(Subscription), subscription.Id, null, info, null, cancellationToken)
            .ConfigureAwait(false);
        loops.StartApply(subscription.Id);
        return info;
    }

    /// <summary>Stops applying (the consumer keeps its position on the root, so nothing is lost while paused).</summary>
    public Task<SubscriptionInfo> PauseAsync(ClaimsPrincipal user, int subscriptionId, CancellationToken cancellationToken) =>
        ChangeStateAsync(user, subscriptionId, "pause", SubscriptionState.Paused, cancellationToken);

    /// <summary>Applies again: from a pause, or from an error once its cause is fixed (the error is cleared on the target).</summary>
    public Task<SubscriptionInfo> ResumeAsync(ClaimsPrincipal user, int subscriptionId, CancellationToken cancellationToken) =>
        ChangeStateAsync(user, subscriptionId, "resume", SubscriptionState.Active, cancellationToken);

    /// <summary>
    /// Drops a subscription: unregisters its consumer on the root, forgets its state on the target (target tables keep their
    /// rows), drops capture of tables no other subscription of the set needs.
    /// </summary>
    /// <remarks>
    /// Its apply loop is stopped first (the subscription is paused, then the loop's lock is taken and held to the end): a
    /// runner rebuilding itself meanwhile would otherwise write its state back on the target after it was dropped. When the
    /// loop does not stop within <see cref="LoopStopWait"/>, or a node refuses, the subscription gets its state back.
    /// </remarks>
    public async Task DropSubscriptionAsync(ClaimsPrincipal user, int subscriptionId, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Operator);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var subscription = await LoadAsync(context, subscriptionId, cancellationToken).ConfigureAwait(false);
        var before = Info(subscription);
        var set = subscription.Set!;
        var others = await OtherCapturedAsync(context, subscription, cancellationToken).ConfigureAwait(false);
        var wasActive = subscription.State == SubscriptionState.Active;
        if (wasActive)
        {
            subscription.State = SubscriptionState.Paused;
            await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }
        try
        {
            await using var stopped = await LoopLock.TryAcquireAsync(context.Database.GetConnectionString()!, LoopLock.ApplyClass,
                    subscriptionId, LoopStopWait, time, cancellationToken).ConfigureAwait(false)
                ?? throw ReplicationRefusedException.Conflict(
                    $"The apply loop of subscription {subscriptionId} did not stop within {LoopStopWait.TotalSeconds:0} s (it may be "
                    + "in the middle of a long batch or waiting to retry a node): pause the subscription, wait until it shows "
                    + "paused, then drop it.");
            await using (var source = _nodes.Open(set.RootNode!, "ferry-admin"))
            await using (var target = _nodes.Open(subscription.TargetNode!, "ferry-admin"))
            {
                await OnNodeAsync(set.RootNode!, async () =>
                {
                    var admin = new QueueAdmin(source);
                    foreach (var table in subscription.Tables.Where(t => !others.Contains((t.SourceSchema, t.SourceTable))))
                    {
                        var name = new TableName(table.SourceSchema, table.SourceTable);
                        await admin.DisableCaptureAsync(set.QueueName, name.Quoted, cancellationToken)
                            .ConfigureAwait(false);
                    }
                    await new QueueConsumer(source, set.QueueName, subscription.ConsumerName).UnregisterAsync(cancellationToken)
                        .ConfigureAwait(false);
                }).ConfigureAwait(false);
                var store = new TargetStateStore(target, subscription.ConsumerName);
                await OnNodeAsync(subscription.TargetNode!, () => store.DropAsync(cancellationToken))
                    .ConfigureAwait(false);
            }
            context.Subscriptions.Remove(subscription);
            await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }
        catch when (wasActive && context.Entry(subscription).State != EntityState.Deleted)
        {
            subscription.State = SubscriptionState.Active;
            await context.SaveChangesAsync(CancellationToken.None).ConfigureAwait(false);
            loops.StartApply(subscriptionId);
            throw;
        }
        await AuditAsync(context, user, "delete", nameof(Subscription), subscriptionId, before, null, null, cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>
    /// Starts the subscription's apply loop unless it runs (its lock is held): a running loop takes a new or resynced table
    /// at its next control poll, and a start that only finds the lock taken would hold a loop worker for the lock wait
    /// (adding 1,000 tables one by one queued 1,000 such jobs).
    /// </summary>
    private async Task StartApplyUnlessRunningAsync(ControlDbContext context, int subscriptionId, CancellationToken cancellationToken)
    {
        await context.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var connection = (NpgsqlConnection)context.Database.GetDbConnection();
            if (await LoopLock.IsHeldAsync(connection, LoopLock.ApplyClass, subscriptionId, cancellationToken).ConfigureAwait(false))
            {
                return;
            }
        }
        finally
        {
            await context.Database.CloseConnectionAsync().ConfigureAwait(false);
        }
        loops.StartApply(subscriptionId);
    }

    /// <summary>How long dropping a subscription waits for its apply loop to stop (it notices within a control poll).</summary>
    public static readonly TimeSpan LoopStopWait = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Adds a source table to a subscription: validates the rule against source and target (key, columns, filter; the seed's
    /// keyless log tables are refused here), optionally creates the target table, starts capturing the table on the root and
    /// stores the rule in state <c>new</c>; the apply loop then copies it.
    /// </summary>
    public async Task<TableInfo> AddTableAsync(
        ClaimsPrincipal user, int subscriptionId, AddTableRequest request, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Operator);
        ArgumentNullException.ThrowIfNull(request);
        var sourceName = Names.Parse(request.Source, "source table");
        var targetName = string.IsNullOrWhiteSpace(request.Target) ? sourceName : Names.Parse(request.Target, "target table");
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var subscription = await LoadAsync(context, subscriptionId, cancellationToken).ConfigureAwait(false);
        if (subscription.Tables.Any(t => t.SourceSchema == sourceName.Schema && t.SourceTable == sourceName.Name))
        {
            throw ReplicationRefusedException.Conflict($"{sourceName} is already part of this subscription: remove it first or resync it.");
        }
        if (subscription.Tables.Any(t => t.TargetSchema == targetName.Schema && t.TargetTable == targetName.Name))
        {
            throw ReplicationRefusedException.Conflict(
                $"Another table of this subscription already goes to {targetName}: choose another target.");
        }
        var set = subscription.Set!;
        var key = string.IsNullOrWhiteSpace(request.Key) ? null : request.Key.Trim();
        Rules.TableRule rule;
        await using (var source = _nodes.Open(set.RootNode!, "ferry-admin"))
        await using (var target = _nodes.Open(subscription.TargetNode!, "ferry-admin"))
        {
            try
            {
                rule = await TableRuleValidator.ValidateAsync(source, target,
                    new TableRuleRequest(sourceName, targetName, request.Filter, key, request.CreateTarget, TargetSchemasOf(subscription)),
                    cancellationToken)
                    .ConfigureAwait(false);
            }
            catch (TableRuleException e)
            {
                throw new ReplicationRefusedException(e.Message, e);
            }
            catch (NpgsqlException e) when (e is not PostgresException)
            {
                throw Unreachable(set.RootNode!.Name + "' or '" + subscription.TargetNode!.Name, e);
            }
            try
            {
                await new QueueAdmin(source).EnableCaptureAsync(set.QueueName, rule.SourceTable, cancellationToken).ConfigureAwait(false);
            }
            catch (CaptureRefusedException e)
            {
                throw new ReplicationRefusedException(e.Message, e);
            }
        }
        var table = new ControlTableRule
        {
            SubscriptionId = subscription.Id,
            SourceSchema = rule.Source.Schema,
            SourceTable = rule.Source.Name,
            TargetSchema = rule.Target.Schema,
            TargetTable = rule.Target.Name,
            RowFilter = rule.Filter,
            KeyColumns = [.. rule.Key],
            State = ControlTableState.New,
        };
        context.TableRules.Add(table);
        await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        var info = Info(table);
        await AuditAsync(context, user, "create", nameof(ControlTableRule), table.Id, null, info, subscription.Id, cancellationToken)
            .ConfigureAwait(false);
        if (subscription.State == SubscriptionState.Active)
        {
            await StartApplyUnlessRunningAsync(context, subscription.Id, cancellationToken).ConfigureAwait(false);
        }
        return info;
    }

    /// <summary>
    /// Removes a table from a subscription: stops applying it, forgets its state on the target (its rows stay), and drops
    /// capture on the root when no other subscription of the set needs the table.
    /// </summary>
    public async Task RemoveTableAsync(ClaimsPrincipal user, int subscriptionId, int tableId, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Operator);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var subscription = await LoadAsync(context, subscriptionId, cancellationToken).ConfigureAwait(false);
        var table = subscription.Tables.SingleOrDefault(t => t.Id == tableId) ?? throw NoTable(subscription, tableId);
        var before = Info(table);
        var set = subscription.Set!;
        var others = await OtherCapturedAsync(context, subscription, cancellationToken).ConfigureAwait(false);
        // The control row goes first: the apply loop rereads its rules and stops applying the table.
        context.TableRules.Remove(table);
        await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await using (var source = _nodes.Open(set.RootNode!, "ferry-admin"))
        await using (var target = _nodes.Open(subscription.TargetNode!, "ferry-admin"))
        {
            var sourceName = new TableName(table.SourceSchema, table.SourceTable);
            var eventName = await EventNameAsync(source, sourceName, cancellationToken).ConfigureAwait(false);
            await OnNodeAsync(subscription.TargetNode!, () => new TargetStateStore(target, subscription.ConsumerName)
                .RemoveTableAsync(eventName, cancellationToken)).ConfigureAwait(false);
            if (!others.Contains((table.SourceSchema, table.SourceTable)))
            {
                var admin = new QueueAdmin(source);
                await OnNodeAsync(set.RootNode!, () => admin.DisableCaptureAsync(set.QueueName, sourceName.Quoted, cancellationToken))
                    .ConfigureAwait(false);
            }
        }
        await AuditAsync(context, user, "delete", nameof(ControlTableRule), tableId, before, null, subscription.Id, cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>Copies one table again (back to <c>copying</c>) while the subscription's other tables keep applying.</summary>
    public async Task<TableInfo> ResyncTableAsync(
        ClaimsPrincipal user, int subscriptionId, int tableId, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Operator);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var subscription = await LoadAsync(context, subscriptionId, cancellationToken).ConfigureAwait(false);
        var table = subscription.Tables.SingleOrDefault(t => t.Id == tableId) ?? throw NoTable(subscription, tableId);
        var before = Info(table);
        // A resync empties the target table again: the node's target schemas (docs/decisions/ADR-010-target-schemas.md) hold now too.
        if (TargetSchemasOf(subscription).Problem(new TableName(table.TargetSchema, table.TargetTable)) is { } notAllowed)
        {
            throw new ReplicationRefusedException(notAllowed);
        }
        await using (var source = _nodes.Open(subscription.Set!.RootNode!, "ferry-admin"))
        await using (var target = _nodes.Open(subscription.TargetNode!, "ferry-admin"))
        {
            var eventName = await EventNameAsync(source, new TableName(table.SourceSchema, table.SourceTable), cancellationToken)
                .ConfigureAwait(false);
            var store = new TargetStateStore(target, subscription.ConsumerName);
            var state = (await OnNodeAsync(subscription.TargetNode!, () => store.GetTablesAsync(cancellationToken)).ConfigureAwait(false))
                .SingleOrDefault(t => t.SourceTable == eventName)?.State;
            if (state is null or Rules.TableState.New or Rules.TableState.Copying)
            {
                throw ReplicationRefusedException.Conflict(
                    $"{table.SourceSchema}.{table.SourceTable} is not copied yet (state {before.State}): its copy will run by itself.");
            }
            await OnNodeAsync(subscription.TargetNode!, () => store.MoveTableAsync(eventName, Rules.TableState.Copying,
                cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
        table.State = ControlTableState.Copying;
        table.RowsCopied = 0;
        table.LastError = null;
        await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        var info = Info(table);
        await AuditAsync(context, user, "resync", nameof(ControlTableRule), tableId, before, info, subscription.Id, cancellationToken)
            .ConfigureAwait(false);
        if (subscription.State == SubscriptionState.Active)
        {
            await StartApplyUnlessRunningAsync(context, subscription.Id, cancellationToken).ConfigureAwait(false);
        }
        return info;
    }

    private static TargetSchemas TargetSchemasOf(Subscription subscription) =>
        new(subscription.TargetNode!.Name, subscription.TargetNode.TargetSchemas);

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
        await using (var sourceData = _nodes.Open(subscription.Set!.RootNode!, "ferry-admin"))
        await using (var targetData = _nodes.Open(subscription.TargetNode!, "ferry-admin"))
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
        await AuditAsync(context, user, "create", nameof(SequenceRule), rule.Id, null, info, subscription.Id, cancellationToken)
            .ConfigureAwait(false);
        return info;
    }

    private async Task<SubscriptionInfo> ChangeStateAsync(
        ClaimsPrincipal user, int subscriptionId, string action, SubscriptionState to, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Operator);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var subscription = await LoadAsync(context, subscriptionId, cancellationToken).ConfigureAwait(false);
        var before = Info(subscription);
        if (subscription.State == to)
        {
            return before;
        }
        if (to == SubscriptionState.Active)
        {
            // The apply loop stopped itself on the target too; clear that so it applies again.
            await using var target = _nodes.Open(subscription.TargetNode!, "ferry-admin");
            await OnNodeAsync(subscription.TargetNode!, () => new TargetStateStore(target, subscription.ConsumerName)
                .ClearErrorAsync(cancellationToken)).ConfigureAwait(false);
            subscription.LastError = null;
            subscription.LastFailingEventId = null;
        }
        subscription.State = to;
        await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        var info = Info(subscription);
        await AuditAsync(context, user, action, nameof(Subscription), subscriptionId, before, info, null, cancellationToken)
            .ConfigureAwait(false);
        if (to == SubscriptionState.Active)
        {
            loops.StartApply(subscription.Id);
        }
        return info;
    }

    private static async Task<Subscription> LoadAsync(ControlDbContext context, int subscriptionId, CancellationToken cancellationToken) =>
        await context.Subscriptions
            .Include(s => s.Set).ThenInclude(s => s!.RootNode)
            .Include(s => s.TargetNode)
            .Include(s => s.Tables)
            .Include(s => s.Sequences)
            .AsSplitQuery()
            .SingleOrDefaultAsync(s => s.Id == subscriptionId, cancellationToken).ConfigureAwait(false)
        ?? throw ReplicationRefusedException.NotFound($"There is no subscription {subscriptionId}: it may have been dropped.");

    /// <summary>Source tables other subscriptions of the same set replicate (their capture must stay).</summary>
    private static async Task<HashSet<(string, string)>> OtherCapturedAsync(
        ControlDbContext context, Subscription subscription, CancellationToken cancellationToken) =>
        [.. (await context.TableRules
            .Where(t => t.Subscription!.SetId == subscription.SetId && t.SubscriptionId != subscription.Id)
            .Select(t => new { t.SourceSchema, t.SourceTable })
            .ToListAsync(cancellationToken).ConfigureAwait(false))
            .Select(t => (t.SourceSchema, t.SourceTable))];

    /// <summary>The table as events and the target state name it: <c>quote_ident(schema).quote_ident(name)</c>.</summary>
    internal static async Task<string> EventNameAsync(NpgsqlDataSource source, TableName table, CancellationToken cancellationToken)
    {
        await using var command = source.CreateCommand("SELECT quote_ident($1) || '.' || quote_ident($2)");
        command.Parameters.Add(new NpgsqlParameter { Value = table.Schema });
        command.Parameters.Add(new NpgsqlParameter { Value = table.Name });
        return (string)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
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

    /// <summary>Writes the audit entry; tells live views when the change belongs to a subscription.</summary>
    private async Task AuditAsync(
        ControlDbContext context, ClaimsPrincipal user, string action, string entityType, int id, object? before, object? after,
        int? subscriptionId, CancellationToken cancellationToken)
    {
        var name = user.Identity?.Name ?? "anonymous";
        context.AuditEntries.Add(new AuditEntry
        {
            At = time.GetUtcNow(),
            UserName = name,
            Action = action,
            EntityType = entityType,
            EntityId = id.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Before = before is null ? null : AuditEntry.Snapshot(before),
            After = after is null ? null : AuditEntry.Snapshot(after),
        });
        await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        if ((subscriptionId ?? (entityType == nameof(Subscription) ? id : null)) is { } changed)
        {
            await ReplicationChanges.PublishAsync(context, changed, cancellationToken).ConfigureAwait(false);
        }
        logger.Changed(name, action, entityType, id.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private static Task OnNodeAsync(Node node, Func<Task> work) => OnNodeAsync(node, async () =>
    {
        await work().ConfigureAwait(false);
        return true;
    });

    /// <summary>Runs work on a node; a node that cannot be reached is refused with its name (nothing was changed there).</summary>
    private static async Task<T> OnNodeAsync<T>(Node node, Func<Task<T>> work)
    {
        try
        {
            return await work().ConfigureAwait(false);
        }
        catch (NpgsqlException e) when (e is not PostgresException)
        {
            throw Unreachable(node.Name, e);
        }
    }

    /// <summary>A node that did not answer: the refusal says which, and what to check.</summary>
    internal static ReplicationRefusedException Unreachable(string node, Exception e) =>
        new($"Node '{node}' did not answer ({e.Message}): check that it runs and that its connection settings are right.", e);

    private static ReplicationRefusedException NoNode(int id) => ReplicationRefusedException.NotFound($"There is no node {id}: add the node first.");

    private static ReplicationRefusedException NoSet(int id) => ReplicationRefusedException.NotFound($"There is no set {id}: it may have been dropped.");

    private static ReplicationRefusedException NoTable(Subscription subscription, int id) =>
        ReplicationRefusedException.NotFound($"Subscription {subscription.Id} has no table {id}: it may have been removed.");

    private static string ConsumerName(ReplicationSet set, Node target)
    {
        var name = InvalidConsumerCharacters().Replace($"{set.QueueName}_{target.Name}".ToLowerInvariant(), "_");
        return name.Length <= 63 ? name : name[..52] + "_" + target.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    internal static SubscriptionInfo Info(Subscription s) => new(s.Id, s.SetId, s.TargetNodeId, s.ConsumerName, s.State.ToString());

    internal static TableInfo Info(ControlTableRule t) => new(
        t.Id, new TableName(t.SourceSchema, t.SourceTable).Quoted, new TableName(t.TargetSchema, t.TargetTable).Quoted, t.RowFilter,
        t.KeyColumns, t.State.ToString(), t.RowsCopied, t.RowsEstimated, t.LastError);

    internal static SequenceInfo Info(SequenceRule s) => new(
        s.Id, new TableName(s.SourceSchema, s.SourceSequence).Quoted, new TableName(s.TargetSchema, s.TargetSequence).Quoted);

    [GeneratedRegex("^[a-z][a-z0-9_]{0,49}$")]
    private static partial Regex SetName();

    [GeneratedRegex("[^a-z0-9_]")]
    private static partial Regex InvalidConsumerCharacters();
}
