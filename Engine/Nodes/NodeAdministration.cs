using System.Security.Claims;
using Ferry.Engine.Control;
using Ferry.Engine.Queue;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Ferry.Engine.Nodes;

/// <summary>
/// Adds, edits, removes, tests and installs nodes. Every method checks the caller's role itself (Viewers read,
/// Operators also test connections, Admins change nodes and install the schema); every change writes an audit entry
/// with the node before and after, and every connection test one with who tested which node and what came out, never
/// the password. A node is tested as soon as it is added or changed, and the answer says whether it can be reached.
/// </summary>
public sealed class NodeAdministration(
    IDbContextFactory<ControlDbContext> contexts,
    NodePasswordProtector passwords,
    NodeDataSources nodes,
    TimeProvider time,
    ILogger<NodeAdministration> logger)
{
    /// <summary>How long "test connection" waits for a node to answer.</summary>
    public const int ConnectTimeoutSeconds = NodeProbe.ConnectTimeoutSeconds;

    private const string EntityType = nameof(Node);

    private readonly NodeProbe _probe = new(nodes, logger);

    public async Task<IReadOnlyList<NodeView>> ListAsync(ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Viewer);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var nodes = await context.Nodes.AsNoTracking().OrderBy(n => n.Name).ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. nodes.Select(ToView)];
    }

    public async Task<NodeView> GetAsync(ClaimsPrincipal user, int id, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Viewer);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        return ToView(await FindAsync(context, id, cancellationToken).ConfigureAwait(false));
    }

    public async Task<NodeView> CreateAsync(ClaimsPrincipal user, NodeInput input, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Admin);
        var clean = NodeValidation.Validate(input);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await RefuseDuplicateNameAsync(context, clean.Name, null, cancellationToken).ConfigureAwait(false);
        var node = new Node
        {
            Name = clean.Name,
            Host = clean.Host,
            Port = clean.Port,
            Database = clean.Database,
            UserName = clean.UserName,
            SslMode = clean.SslMode,
            ProtectedPassword = passwords.Protect(clean.Password),
            TargetSchemas = Rules.TargetSchemas.Clean(clean.TargetSchemas),
        };
        // The audit entry needs the new id: both saves commit together or not at all.
        await using var transaction = await context.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        context.Nodes.Add(node);
        await SaveAsync(context, cancellationToken).ConfigureAwait(false);
        Audit.Add(context, user, time.GetUtcNow(), "create", EntityType, Id(node), null, Audited(node));
        await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        NodeLog.NodeCreated(logger, node.Name, user.Identity?.Name);
        return await ProbeSavedAsync(context, user, node, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Changes a node; an empty <see cref="NodeInput.Password"/> keeps the stored one, unless the host, port, database or
    /// user change (see <see cref="NodeValidation.PasswordAgainError"/>).
    /// </summary>
    public async Task<NodeView> UpdateAsync(ClaimsPrincipal user, int id, NodeInput input, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Admin);
        var clean = NodeValidation.Validate(input);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var node = await FindAsync(context, id, cancellationToken).ConfigureAwait(false);
        await RefuseDuplicateNameAsync(context, clean.Name, id, cancellationToken).ConfigureAwait(false);
        RefuseStoredPasswordElsewhere(node, clean);
        var before = Audited(node);
        node.Name = clean.Name;
        node.Host = clean.Host;
        node.Port = clean.Port;
        node.Database = clean.Database;
        node.UserName = clean.UserName;
        node.SslMode = clean.SslMode;
        if (clean.TargetSchemas is not null)
        {
            node.TargetSchemas = Rules.TargetSchemas.Clean(clean.TargetSchemas);
        }
        var passwordChanged = !string.IsNullOrEmpty(clean.Password);
        if (passwordChanged)
        {
            node.ProtectedPassword = passwords.Protect(clean.Password);
        }
        Audit.Add(context, user, time.GetUtcNow(), "update", EntityType, Id(node), before, Audited(node) with { PasswordChanged = passwordChanged });
        await SaveAsync(context, cancellationToken).ConfigureAwait(false);
        nodes.Forget(node.Id);
        return await ProbeSavedAsync(context, user, node, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes a node, unless a set has it as root or a subscription as target (the refusal names them).</summary>
    public async Task DeleteAsync(ClaimsPrincipal user, int id, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Admin);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var node = await FindAsync(context, id, cancellationToken).ConfigureAwait(false);
        var sets = await context.Sets.Where(s => s.RootNodeId == id).Select(s => s.Name)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        var subscriptions = await context.Subscriptions.Where(s => s.TargetNodeId == id)
            .Select(s => s.Set!.Name + " → " + s.ConsumerName).ToListAsync(cancellationToken).ConfigureAwait(false);
        if (sets.Count > 0 || subscriptions.Count > 0)
        {
            var uses = new List<string>();
            if (sets.Count > 0)
            {
                uses.Add($"root of set(s) {string.Join(", ", sets.Select(s => $"'{s}'"))}");
            }
            if (subscriptions.Count > 0)
            {
                uses.Add($"target of subscription(s) {string.Join(", ", subscriptions.Select(s => $"'{s}'"))}");
            }
            throw new RequestRefusedException(
                $"Node '{node.Name}' is still in use: {string.Join("; ", uses)}. Drop those first.", isConflict: true);
        }
        context.Nodes.Remove(node);
        Audit.Add(context, user, time.GetUtcNow(), "delete", EntityType, Id(node), Audited(node), null);
        await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        nodes.Forget(id);
    }

    /// <summary>Tests a saved node's connection (Operator or higher) and records what it saw as the node's health.</summary>
    public async Task<NodeCheck> CheckAsync(ClaimsPrincipal user, int id, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Operator);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var node = await FindAsync(context, id, cancellationToken).ConfigureAwait(false);
        var check = await _probe.CheckAsync(node, install: false, cancellationToken).ConfigureAwait(false);
        Record(node, check);
        AuditTest(context, user, node, node.Id, check);
        await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        return check;
    }

    /// <summary>
    /// Tests the connection a node form describes before it is saved (Admin). With <paramref name="existingId"/>, an empty
    /// password means the stored one, which is sent only to the host, port, database and user it was saved for.
    /// </summary>
    public async Task<NodeCheck> CheckAsync(ClaimsPrincipal user, NodeInput input, int? existingId, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Admin);
        var clean = NodeValidation.Validate(input);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        string? storedPassword = null;
        if (existingId is { } id && string.IsNullOrEmpty(clean.Password))
        {
            var stored = await FindAsync(context, id, cancellationToken).ConfigureAwait(false);
            RefuseStoredPasswordElsewhere(stored, clean);
            storedPassword = stored.ProtectedPassword;
        }
        var node = new Node
        {
            Name = clean.Name,
            Host = clean.Host,
            Port = clean.Port,
            Database = clean.Database,
            UserName = clean.UserName,
            SslMode = clean.SslMode,
            ProtectedPassword = storedPassword ?? passwords.Protect(clean.Password),
        };
        var check = await _probe.CheckAsync(node, install: false, cancellationToken).ConfigureAwait(false);
        AuditTest(context, user, node, existingId, check);
        await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        return check;
    }

    /// <summary>Installs Ferry's schema in the node's database, or upgrades it to the engine's latest version (Admin).</summary>
    public async Task<NodeCheck> InstallAsync(ClaimsPrincipal user, int id, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Admin);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var node = await FindAsync(context, id, cancellationToken).ConfigureAwait(false);
        var before = await _probe.CheckAsync(node, install: false, cancellationToken).ConfigureAwait(false);
        if (!before.Connected)
        {
            throw new RequestRefusedException($"Cannot install on node '{node.Name}': {before.Message}");
        }
        var after = await _probe.CheckAsync(node, install: true, cancellationToken).ConfigureAwait(false);
        Record(node, after);
        Audit.Add(context, user, time.GetUtcNow(), "install", EntityType, Id(node),
            new { schemaVersion = before.InstalledSchemaVersion }, new { schemaVersion = after.InstalledSchemaVersion });
        await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        NodeLog.SchemaInstalled(logger, node.Name, before.InstalledSchemaVersion, after.InstalledSchemaVersion);
        return after;
    }

    /// <summary>Tests a node just saved, records the result as its health and says it in the returned view.</summary>
    private async Task<NodeView> ProbeSavedAsync(ControlDbContext context, ClaimsPrincipal user, Node node, CancellationToken cancellationToken)
    {
        NodeCheck check;
        try
        {
            check = await _probe.CheckAsync(node, install: false, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestRefusedException e)
        {
            // Connected, but Ferry's schema there cannot be read: the node is saved all the same; the answer says why.
            check = new NodeCheck(true, null, 0, QueueSchema.LatestVersion, e.Message);
        }
        Record(node, check);
        AuditTest(context, user, node, node.Id, check);
        await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        return ToView(node) with { Probe = check };
    }

    /// <summary>Who tested which node (by its connection, and its id once saved) and what came out; never the password.</summary>
    private void AuditTest(ControlDbContext context, ClaimsPrincipal user, Node node, int? id, NodeCheck check) =>
        Audit.Add(context, user, time.GetUtcNow(), "test-connection", EntityType,
            id?.ToString(System.Globalization.CultureInfo.InvariantCulture), null,
            new { node.Name, node.Host, node.Port, node.Database, node.UserName, check.Connected, check.Message });

    private static void RefuseStoredPasswordElsewhere(Node stored, NodeInput input)
    {
        if (NodeValidation.PasswordAgainError(ToView(stored), input) is { } error)
        {
            throw new RequestRefusedException(error);
        }
    }

    private void Record(Node node, NodeCheck check)
    {
        node.LastProbedAt = time.GetUtcNow();
        node.LastProbeError = check.Connected ? null : check.Message;
        if (check.Connected)
        {
            node.ServerVersion = check.ServerVersion;
        }
    }

    private static async Task<Node> FindAsync(ControlDbContext context, int id, CancellationToken cancellationToken) =>
        await context.Nodes.FirstOrDefaultAsync(n => n.Id == id, cancellationToken).ConfigureAwait(false)
        ?? throw new EntityNotFoundException($"There is no node with id {id}.");

    private static async Task RefuseDuplicateNameAsync(ControlDbContext context, string name, int? exceptId, CancellationToken cancellationToken)
    {
        if (await context.Nodes.AnyAsync(n => n.Name == name && n.Id != exceptId, cancellationToken).ConfigureAwait(false))
        {
            throw new RequestRefusedException($"A node named '{name}' already exists; choose another name.", isConflict: true);
        }
    }

    /// <summary>Saves, turning the unique-name race (two admins adding the same name at once) into a clear refusal.</summary>
    private static async Task SaveAsync(ControlDbContext context, CancellationToken cancellationToken)
    {
        try
        {
            await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            throw new RequestRefusedException("A node with that name already exists; choose another name.", isConflict: true);
        }
    }

    private static string Id(Node node) => node.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static AuditedNode Audited(Node node) =>
        new(node.Name, node.Host, node.Port, node.Database, node.UserName, node.SslMode.ToString(), node.ProtectedPassword is not null,
            node.TargetSchemas);

    internal static NodeView ToView(Node node) => new(
        node.Id, node.Name, node.Host, node.Port, node.Database, node.UserName, node.ProtectedPassword is not null, node.SslMode,
        node.ServerVersion, node.LastProbedAt, node.LastProbeError, node.CreatedAt, node.UpdatedAt, node.TargetSchemas);

    /// <summary>What the audit trail keeps of a node: everything but the password.</summary>
    private sealed record AuditedNode(
        string Name, string Host, int Port, string Database, string UserName, string SslMode, bool HasPassword,
        IReadOnlyList<string>? TargetSchemas)
    {
        [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
        public bool? PasswordChanged { get; init; }
    }
}
