using System.Net.Sockets;
using System.Security.Claims;
using Ferry.Engine.Control;
using Ferry.Engine.Queue;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Ferry.Engine.Nodes;

/// <summary>
/// Adds, edits, removes, tests and installs nodes. Every method checks the caller's role itself (Viewers read,
/// Operators also test connections, Admins change nodes and install the schema) and every change writes an audit entry
/// with the node before and after, never its password.
/// </summary>
public sealed class NodeAdministration(
    IDbContextFactory<ControlDbContext> contexts,
    NodePasswordProtector passwords,
    NodeDataSources nodes,
    TimeProvider time,
    ILogger<NodeAdministration> logger)
{
    /// <summary>How long "test connection" waits for a node to answer.</summary>
    public const int ConnectTimeoutSeconds = 5;

    private const string EntityType = nameof(Node);

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
        return ToView(node);
    }

    /// <summary>Changes a node; an empty <see cref="NodeInput.Password"/> keeps the stored one.</summary>
    public async Task<NodeView> UpdateAsync(ClaimsPrincipal user, int id, NodeInput input, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Admin);
        var clean = NodeValidation.Validate(input);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var node = await FindAsync(context, id, cancellationToken).ConfigureAwait(false);
        await RefuseDuplicateNameAsync(context, clean.Name, id, cancellationToken).ConfigureAwait(false);
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
        return ToView(node);
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
        var check = await ConnectAndCheckAsync(node, install: false, cancellationToken).ConfigureAwait(false);
        Record(node, check);
        await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        return check;
    }

    /// <summary>
    /// Tests the connection a node form describes before it is saved (Admin). With <paramref name="existingId"/>, an empty
    /// password means the stored one.
    /// </summary>
    public async Task<NodeCheck> CheckAsync(ClaimsPrincipal user, NodeInput input, int? existingId, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Admin);
        var clean = NodeValidation.Validate(input);
        string? storedPassword = null;
        if (existingId is { } id && string.IsNullOrEmpty(clean.Password))
        {
            await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
            storedPassword = (await FindAsync(context, id, cancellationToken).ConfigureAwait(false)).ProtectedPassword;
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
        return await ConnectAndCheckAsync(node, install: false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Installs Ferry's schema in the node's database, or upgrades it to the engine's latest version (Admin).</summary>
    public async Task<NodeCheck> InstallAsync(ClaimsPrincipal user, int id, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Admin);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var node = await FindAsync(context, id, cancellationToken).ConfigureAwait(false);
        var before = await ConnectAndCheckAsync(node, install: false, cancellationToken).ConfigureAwait(false);
        if (!before.Connected)
        {
            throw new RequestRefusedException($"Cannot install on node '{node.Name}': {before.Message}");
        }
        var after = await ConnectAndCheckAsync(node, install: true, cancellationToken).ConfigureAwait(false);
        Record(node, after);
        Audit.Add(context, user, time.GetUtcNow(), "install", EntityType, Id(node),
            new { schemaVersion = before.InstalledSchemaVersion }, new { schemaVersion = after.InstalledSchemaVersion });
        await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        NodeLog.SchemaInstalled(logger, node.Name, before.InstalledSchemaVersion, after.InstalledSchemaVersion);
        return after;
    }

    private async Task<NodeCheck> ConnectAndCheckAsync(Node node, bool install, CancellationToken cancellationToken)
    {
        var latest = QueueSchema.LatestVersion;
        await using var dataSource = nodes.CreateForCheck(node, "ferry-check", ConnectTimeoutSeconds);
        try
        {
            string serverVersion;
            await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
            {
                serverVersion = connection.PostgreSqlVersion + " (" + connection.ServerVersion + ")";
            }
            if (install)
            {
                var installed = await QueueSchema.InstallAsync(dataSource, cancellationToken).ConfigureAwait(false);
                return new NodeCheck(true, serverVersion, installed, latest, $"Ferry's schema is at version {installed}.");
            }
            var version = await QueueSchema.GetInstalledVersionAsync(dataSource, cancellationToken).ConfigureAwait(false);
            return new NodeCheck(true, serverVersion, version, latest, SchemaMessage(version, latest));
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or System.Security.Cryptography.CryptographicException)
        {
            var message = Explain(node, e);
            NodeLog.CheckFailed(logger, node.Name, message);
            return new NodeCheck(false, null, 0, latest, message);
        }
        catch (QueueSchemaException e)
        {
            throw new RequestRefusedException(e.Message, isConflict: true);
        }
    }

    private static string SchemaMessage(int installed, int latest) => installed switch
    {
        0 => $"Connected. Ferry's schema is not installed yet (this engine installs version {latest}).",
        _ when installed < latest => $"Connected. Ferry's schema is at version {installed}; upgrade to {latest}.",
        _ when installed > latest => $"Connected. Ferry's schema is at version {installed}, newer than this engine's {latest}: upgrade Ferry.",
        _ => $"Connected. Ferry's schema is installed and up to date (version {installed}).",
    };

    /// <summary>A message a DBA can act on. Npgsql's own messages name host and port but never the password.</summary>
    private static string Explain(Node node, Exception e)
    {
        var where = $"{node.Host}:{node.Port}";
        return e switch
        {
            PostgresException { SqlState: PostgresErrorCodes.InvalidPassword } =>
                $"PostgreSQL at {where} refused the password for user '{node.UserName}'.",
            PostgresException { SqlState: PostgresErrorCodes.InvalidAuthorizationSpecification } p =>
                $"PostgreSQL at {where} refused user '{node.UserName}': {p.MessageText}",
            PostgresException { SqlState: PostgresErrorCodes.InvalidCatalogName } =>
                $"PostgreSQL at {where} has no database '{node.Database}'.",
            PostgresException p => $"PostgreSQL at {where} refused the connection: {p.MessageText}",
            TimeoutException or NpgsqlException { InnerException: TimeoutException } =>
                $"No answer from {where} within {ConnectTimeoutSeconds} s: check host, port and firewall.",
            NpgsqlException { InnerException: SocketException s } => $"Cannot reach {where}: {s.Message}",
            NpgsqlException n when n.Message.Contains("password", StringComparison.OrdinalIgnoreCase) =>
                $"PostgreSQL at {where} asks for a password for user '{node.UserName}' and none is stored.",
            System.Security.Cryptography.CryptographicException =>
                "The stored password cannot be decrypted (the Data Protection keys changed): enter the password again.",
            _ => $"Cannot connect to {where}: {e.Message}",
        };
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
