using System.Security.Claims;
using Ferry.Engine.Compare;
using Ferry.Engine.Control;
using Ferry.Engine.Nodes;
using Ferry.Engine.Replication.Internal;
using Ferry.Engine.Rules;
using Ferry.Engine.Sql;
using Ferry.Engine.Target;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using static Ferry.Engine.Replication.Internal.SubscriptionLoader;

namespace Ferry.Engine.Replication.Compare;

/// <summary>
/// Repairs a table from a compare report (docs/decisions/ADR-016-compare-and-repair.md): a preview first, then the rows of the
/// report written on the target in one transaction at a new consistent point, audited, and compared again. Operators only.
/// </summary>
public sealed class RepairService(
    IDbContextFactory<ControlDbContext> contexts, NodeDataSources nodes, IOptions<CompareOptions> options, CompareService compares,
    TimeProvider time, ILogger<RepairService> logger)
{
    private const int Sample = 20;
    private readonly ReplicationAudit _audit = new(time, logger);

    /// <summary>What a repair from the report would do, with its first statements.</summary>
    public async Task<RepairPreview> PreviewAsync(ClaimsPrincipal user, int reportId, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Operator);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var (report, table) = await LoadRepairableAsync(context, reportId, cancellationToken).ConfigureAwait(false);
        var target = new TableName(table.TargetSchema, table.TargetTable);
        var sample = await context.CompareDifferences.AsNoTracking().Where(d => d.ReportId == reportId).OrderBy(d => d.Id).Take(Sample)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return new RepairPreview(reportId, $"{table.SourceSchema}.{table.SourceTable}", report.Missing + report.Different, report.Extra,
            [.. sample.Select(d => Statement(report, target, d))]);
    }

    /// <summary>Repairs the target from the report, audits it, and compares the table again.</summary>
    /// <exception cref="ReplicationRefusedException">
    /// The report is not a finished compare that found differences, keeps only part of them, or is older than the table's
    /// last copy or resync; or the table cannot be held at a consistent point now.
    /// </exception>
    public async Task<RepairOutcome> RepairAsync(ClaimsPrincipal user, int reportId, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Operator);
        ArgumentNullException.ThrowIfNull(user);
        RepairResult result;
        int subscriptionId;
        int tableId;
        await using (var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false))
        {
            var (report, table) = await LoadRepairableAsync(context, reportId, cancellationToken).ConfigureAwait(false);
            (subscriptionId, tableId) = (report.SubscriptionId, report.TableRuleId);
            var subscription = await LoadAsync(context, subscriptionId, cancellationToken).ConfigureAwait(false);
            var keys = await context.CompareDifferences.AsNoTracking().Where(d => d.ReportId == reportId).OrderBy(d => d.Id)
                .Select(d => d.Key).ToListAsync(cancellationToken).ConfigureAwait(false);
            await using var source = nodes.Open(subscription.Set!.RootNode!, "ferry-repair", freshConnections: true);
            await using var target = nodes.Open(subscription.TargetNode!, "ferry-repair", freshConnections: true);
            try
            {
                var rule = await TableRuleBuilder.BuildAsync(source, target, table, addMissingColumns: false, cancellationToken).ConfigureAwait(false);
                result = await new TableRepair(source, target, options.Value, time).RepairAsync(subscription.Set.QueueName,
                    subscription.ConsumerName, rule, [.. keys.Select(k => (IReadOnlyList<string?>)k)], cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is CompareRefusedException or TableRuleException)
            {
                throw ReplicationRefusedException.Conflict(e.Message);
            }
            await _audit.AuditAsync(context, user, "repair", TableRuleRecord.AuditEntityType, tableId, null,
                new { reportId, result.Tick, result.Written, result.Deleted }, subscriptionId, cancellationToken).ConfigureAwait(false);
        }
        var again = await compares.CompareTableAsync(user, subscriptionId, tableId, cancellationToken).ConfigureAwait(false);
        return new RepairOutcome(result, again);
    }

    private static async Task<(CompareReport Report, TableRuleRecord Table)> LoadRepairableAsync(
        ControlDbContext context, int reportId, CancellationToken cancellationToken)
    {
        var report = await context.CompareReports.AsNoTracking().Include(r => r.TableRule)
            .SingleOrDefaultAsync(r => r.Id == reportId, cancellationToken).ConfigureAwait(false)
            ?? throw ReplicationRefusedException.NotFound($"There is no compare report {reportId}.");
        var table = report.TableRule!;
        var name = $"{table.SourceSchema}.{table.SourceTable}";
        if (!report.Differs)
        {
            throw ReplicationRefusedException.Conflict(report.State == CompareState.Done
                ? $"Compare report {reportId} found no difference in {name}: there is nothing to repair."
                : $"Compare report {reportId} is {report.State}, not done: repair from a finished compare.");
        }
        if (report.DifferencesKept < report.Missing + report.Extra + report.Different)
        {
            throw ReplicationRefusedException.Conflict(
                $"Compare report {reportId} keeps {report.DifferencesKept:N0} of its {report.Missing + report.Extra + report.Different:N0} "
                + $"differences: resync {name} instead.");
        }
        var entityId = table.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var resynced = await context.AuditEntries.AsNoTracking()
            .Where(a => a.EntityType == TableRuleRecord.AuditEntityType && a.EntityId == entityId
                && a.Action == "resync" && a.At > report.StartedAt)
            .AnyAsync(cancellationToken).ConfigureAwait(false);
        if (resynced || table.Differs is null || table.State != TableState.Ok)
        {
            throw ReplicationRefusedException.Conflict(
                $"Compare report {reportId} is older than the last copy or resync of {name} (or the table is not ok now): "
                + "compare it again and repair from the new report.");
        }
        return (report, table);
    }

    /// <summary>The statement a difference becomes, with the report's source values (read again from the source when applied).</summary>
    private static string Statement(CompareReport report, TableName target, CompareDifference d)
    {
        var key = string.Join(" AND ", report.KeyColumns.Select((k, i) => $"{Identifiers.Quote(k)} = {Literal(d.Key[i])}"));
        if (d.Kind == nameof(DifferenceKind.Extra) || d.SourceRow is null)
        {
            return $"DELETE FROM {target.Quoted} WHERE {key};";
        }
        var columns = string.Join(", ", report.Columns.Select(Identifiers.Quote));
        var values = string.Join(", ", d.SourceRow.Select(Literal));
        var updates = report.Columns.Where(c => !report.KeyColumns.Contains(c)).Select(c => $"{Identifiers.Quote(c)} = EXCLUDED.{Identifiers.Quote(c)}");
        return $"INSERT INTO {target.Quoted} ({columns}) VALUES ({values}) ON CONFLICT ({string.Join(", ", report.KeyColumns.Select(Identifiers.Quote))}) "
            + $"DO UPDATE SET {string.Join(", ", updates)};";
    }

    private static string Literal(string? value) => value is null ? "NULL" : "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
}
