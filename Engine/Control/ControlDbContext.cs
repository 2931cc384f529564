using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace Ferry.Engine.Control;

/// <summary>
/// The control database: nodes, sets, subscriptions, table and sequence rules, schedules, the audit trail, events applied
/// per minute, the portal's users and roles (ASP.NET Core Identity) and its Data Protection key ring. Everything lives in
/// schema <c>ferry</c>, in snake_case; Hangfire keeps its own schema <c>hangfire</c> in the same database.
/// </summary>
/// <remarks>
/// Add a migration from the repository root with
/// <c>dotnet tool restore &amp;&amp; dotnet ef migrations add &lt;Name&gt; --project Engine --output-dir Control/Migrations</c>;
/// <see cref="ControlDbContextDesignFactory"/> gives the tool a context without starting the portal.
/// </remarks>
public sealed class ControlDbContext(DbContextOptions<ControlDbContext> options)
    : IdentityDbContext<IdentityUser>(options), IDataProtectionKeyContext
{
    public const string Schema = "ferry";

    public DbSet<Node> Nodes => Set<Node>();

    public DbSet<ReplicationSet> Sets => Set<ReplicationSet>();

    public DbSet<Subscription> Subscriptions => Set<Subscription>();

    public DbSet<TableRuleRecord> TableRules => Set<TableRuleRecord>();

    public DbSet<SequenceRule> SequenceRules => Set<SequenceRule>();

    public DbSet<Schedule> Schedules => Set<Schedule>();

    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();

    /// <summary>Compares of table rules with their history (docs/decisions/ADR-016-compare-and-repair.md).</summary>
    public DbSet<CompareReport> CompareReports => Set<CompareReport>();

    /// <summary>The differing rows of each compare report.</summary>
    public DbSet<CompareDifference> CompareDifferences => Set<CompareDifference>();

    /// <summary>Alert rules, channels and the alerts they raised (docs/decisions/ADR-015-alerts.md).</summary>
    public DbSet<AlertRule> AlertRules => Set<AlertRule>();

    public DbSet<AlertChannel> AlertChannels => Set<AlertChannel>();

    public DbSet<Alert> Alerts => Set<Alert>();

    /// <summary>Errors of subscriptions and tables grouped by cause (docs/decisions/ADR-017-error-history.md).</summary>
    public DbSet<ErrorGroup> ErrorGroups => Set<ErrorGroup>();

    public DbSet<ErrorOccurrence> ErrorOccurrences => Set<ErrorOccurrence>();

    /// <summary>Events applied per subscription and minute, for the dashboard's chart (statistics, kept 24 hours).</summary>
    public DbSet<ThroughputBucket> ThroughputBuckets => Set<ThroughputBucket>();

    /// <summary>
    /// The portal's Data Protection keys (they encrypt node passwords, cookies and tokens), shared by every portal process on
    /// this database. Each key's secret is encrypted with the installation's key-encryption key, which never lives here
    /// (docs/decisions/ADR-008-shared-key-ring-and-loop-takeover.md).
    /// </summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    /// <summary>The provider settings shared by the running portal and the design-time factory.</summary>
    public static void Configure(DbContextOptionsBuilder builder, string connectionString) =>
        builder
            .UseNpgsql(connectionString, npgsql => npgsql.MigrationsHistoryTable("__ef_migrations_history", Schema))
            .UseSnakeCaseNamingConvention();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.HasDefaultSchema(Schema);
        builder.ApplyConfigurationsFromAssembly(typeof(ControlDbContext).Assembly);
    }

    public override int SaveChanges(bool acceptAllChangesOnSuccess)
    {
        RefuseAuditChanges();
        return base.SaveChanges(acceptAllChangesOnSuccess);
    }

    public override Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        RefuseAuditChanges();
        return base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
    }

    /// <summary>The audit trail is append-only: an update or delete of an entry is a bug, never a feature.</summary>
    private void RefuseAuditChanges()
    {
        if (ChangeTracker.Entries<AuditEntry>().Any(e => e.State is EntityState.Modified or EntityState.Deleted))
        {
            throw new InvalidOperationException("Audit entries are never changed or deleted.");
        }
    }
}
