using System.Security.Claims;
using Ferry.Engine.Compare;
using Ferry.Engine.Control;
using Ferry.Engine.Nodes;
using Ferry.Engine.Replication.Compare.Internal;
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

    /// <summary>
    /// Starts a repair from the report: checks it may run and stores a new report in state Running that names the report it repairs
    /// from (<see cref="CompareReportInfo.RepairOf"/>). <see cref="RunRepairAsync"/> runs it, in a background job.
    /// </summary>
    /// <exception cref="ReplicationRefusedException">
    /// The report is not a finished compare that found differences, keeps only part of them, or is older than the table's
    /// last copy or resync; or a compare or repair of the table runs.
    /// </exception>
    public Task<CompareReportInfo> StartRepairAsync(ClaimsPrincipal user, int reportId, CancellationToken cancellationToken) =>
        StartRepairAsync(user, reportId, partial: false, cancellationToken);

    /// <summary>As <see cref="StartRepairAsync(ClaimsPrincipal, int, CancellationToken)"/>; a resync in place repairs a report that keeps only part of its differences, round after round.</summary>
    internal async Task<CompareReportInfo> StartRepairAsync(ClaimsPrincipal user, int reportId, bool partial, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Operator);
        ArgumentNullException.ThrowIfNull(user);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var (report, table) = await LoadRepairableAsync(context, reportId, cancellationToken, partial).ConfigureAwait(false);
        await compares.RefuseWhenBusyAsync(context, table, cancellationToken).ConfigureAwait(false);
        var repair = new CompareReport
        {
            SubscriptionId = report.SubscriptionId,
            TableRuleId = report.TableRuleId,
            RequestedBy = user.Identity?.Name ?? "anonymous",
            StartedAt = time.GetUtcNow(),
            Columns = report.Columns,
            KeyColumns = report.KeyColumns,
            RepairOfReportId = reportId,
        };
        context.CompareReports.Add(repair);
        await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await ReplicationChanges.PublishAsync(context, repair.SubscriptionId, cancellationToken).ConfigureAwait(false);
        return CompareService.Info(repair, table);
    }

    /// <summary>
    /// Runs a started repair: writes the report's rows on the target in one transaction at a new consistent point, audits it
    /// as its requester, then compares the table again into the same report. A refusal or failure is kept in the report. Null
    /// when it did not repair (refused, failed, run by another process, or no longer running).
    /// </summary>
    public Task<RepairOutcome?> RunRepairAsync(int repairId, CancellationToken cancellationToken) =>
        RunRepairAsync(repairId, resync: false, cancellationToken);

    /// <summary>As <see cref="RunRepairAsync(int, CancellationToken)"/>; a resync's repair takes a partial report and compares the filtered target after.</summary>
    internal async Task<RepairOutcome?> RunRepairAsync(int repairId, bool resync, CancellationToken cancellationToken)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using var claim = await ReportRuns.ClaimAsync(context, repairId, time, cancellationToken).ConfigureAwait(false);
        var repair = await context.CompareReports.SingleOrDefaultAsync(r => r.Id == repairId, cancellationToken).ConfigureAwait(false);
        if (claim is null || repair is not { State: CompareState.Running, RepairOfReportId: { } reportId })
        {
            return null;
        }
        RepairResult result;
        try
        {
            var (_, table) = await LoadRepairableAsync(context, reportId, cancellationToken, partial: resync).ConfigureAwait(false);
            var subscription = await LoadAsync(context, repair.SubscriptionId, cancellationToken).ConfigureAwait(false);
            var keys = await context.CompareDifferences.AsNoTracking().Where(d => d.ReportId == reportId).OrderBy(d => d.Id)
                .Select(d => d.Key).ToListAsync(cancellationToken).ConfigureAwait(false);
            await using (var source = nodes.Open(subscription.Set!.RootNode!, "ferry-repair", freshConnections: true))
            await using (var target = nodes.Open(subscription.TargetNode!, "ferry-repair", freshConnections: true))
            {
                var rule = await TableRuleBuilder.BuildAsync(source, target, table, addMissingColumns: false, cancellationToken).ConfigureAwait(false);
                result = await new TableRepair(source, target, options.Value, time).RepairAsync(subscription.Set.QueueName,
                    subscription.ConsumerName, rule, [.. keys.Select(k => (IReadOnlyList<string?>)k)], cancellationToken).ConfigureAwait(false);
            }
            repair.RepairWritten = result.Written;
            repair.RepairDeleted = result.Deleted;
            await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            await _audit.AuditAsync(context, Requester(repair.RequestedBy), "repair", TableRuleRecord.AuditEntityType, repair.TableRuleId, null,
                new { reportId, repairId, result.Tick, result.Written, result.Deleted }, repair.SubscriptionId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            repair.State = e is ReplicationRefusedException or CompareRefusedException or TableRuleException ? CompareState.Refused : CompareState.Failed;
            repair.Error = e.Message;
            repair.FinishedAt = time.GetUtcNow();
            using var save = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await context.SaveChangesAsync(save.Token).ConfigureAwait(false);
            await ReplicationChanges.PublishAsync(context, repair.SubscriptionId, save.Token).ConfigureAwait(false);
            return null;
        }
        return new RepairOutcome(result, await compares.RunClaimedAsync(repairId, cancellationToken, filterTarget: resync).ConfigureAwait(false));
    }

    /// <summary>Starts and runs a repair in the caller (tests, and callers that wait for it).</summary>
    /// <exception cref="ReplicationRefusedException">As <see cref="StartRepairAsync"/>; or the repair was refused or failed when run.</exception>
    public async Task<RepairOutcome> RepairAsync(ClaimsPrincipal user, int reportId, CancellationToken cancellationToken)
    {
        var started = await StartRepairAsync(user, reportId, cancellationToken).ConfigureAwait(false);
        if (await RunRepairAsync(started.Id, cancellationToken).ConfigureAwait(false) is { } outcome)
        {
            return outcome;
        }
        var report = await compares.GetReportAsync(user, started.Id, cancellationToken).ConfigureAwait(false);
        throw ReplicationRefusedException.Conflict(report.Error ?? $"Repair {started.Id} did not run.");
    }

    /// <summary>The user a job acts for, by the name stored with the report (the audit's who).</summary>
    private static ClaimsPrincipal Requester(string name) => new(new ClaimsIdentity([new Claim(ClaimTypes.Name, name)], "ferry-job"));

    private static async Task<(CompareReport Report, TableRuleRecord Table)> LoadRepairableAsync(
        ControlDbContext context, int reportId, CancellationToken cancellationToken, bool partial = false)
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
        if (!partial && report.DifferencesKept < report.Missing + report.Extra + report.Different)
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
