using System.Runtime.CompilerServices;
using System.Security.Claims;
using Ferry.Engine.Compare;
using Ferry.Engine.Control;
using Ferry.Engine.Nodes;
using Ferry.Engine.Replication.Compare.Internal;
using Ferry.Engine.Replication.Internal;
using Ferry.Engine.Rules;
using Ferry.Engine.Target;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using static Ferry.Engine.Replication.Internal.Refusals;
using static Ferry.Engine.Replication.Internal.SubscriptionLoader;

namespace Ferry.Engine.Replication.Compare;

/// <summary>
/// Compares of table rules for the portal and <c>/api</c> (docs/decisions/ADR-016-compare-and-repair.md): Operators start them,
/// Viewers read the reports, their history and the differing rows. A compare is started (a report in state Running) and then
/// run, by the caller or by a background job; it reads both nodes at one consistent point and writes nothing on them.
/// </summary>
public sealed class CompareService(
    IDbContextFactory<ControlDbContext> contexts, NodeDataSources nodes, IOptions<CompareOptions> options, TimeProvider time)
{
    /// <summary>Starts a compare of one table: checks it may run and stores its report in state Running.</summary>
    /// <exception cref="ReplicationRefusedException">Not found, or the table is not ok (still copying), or a compare of it runs.</exception>
    public async Task<CompareReportInfo> StartCompareAsync(ClaimsPrincipal user, int subscriptionId, int tableId, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Operator);
        ArgumentNullException.ThrowIfNull(user);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var subscription = await LoadAsync(context, subscriptionId, cancellationToken).ConfigureAwait(false);
        var table = subscription.Tables.SingleOrDefault(t => t.Id == tableId) ?? throw NoTable(subscription, tableId);
        if (table.State != TableState.Ok)
        {
            throw ReplicationRefusedException.Conflict(
                $"{table.SourceSchema}.{table.SourceTable} is {TableStateMachine.Text(table.State)}: a table is compared once its copy "
                + "has caught up (state ok).");
        }
        if (table.KeyColumns.Count == 0)
        {
            throw new ReplicationRefusedException($"{table.SourceSchema}.{table.SourceTable} has no key (its handler "
                + $"{table.HandlerName} takes keyless tables): a compare matches rows by key ranges, so it cannot compare this table.");
        }
        await RefuseWhenBusyAsync(context, table, cancellationToken).ConfigureAwait(false);
        var report = new CompareReport
        {
            SubscriptionId = subscriptionId,
            TableRuleId = tableId,
            RequestedBy = user.Identity?.Name ?? "anonymous",
            StartedAt = time.GetUtcNow(),
            KeyColumns = table.KeyColumns,
        };
        context.CompareReports.Add(report);
        await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await ReplicationChanges.PublishAsync(context, subscriptionId, cancellationToken).ConfigureAwait(false);
        return Info(report, table);
    }

    /// <summary>Starts a compare of every table of a subscription that is ok; the others are left out (the answer lists those started).</summary>
    /// <exception cref="ReplicationRefusedException">Not found, or no table of the subscription can be compared now.</exception>
    public async Task<IReadOnlyList<CompareReportInfo>> StartSubscriptionCompareAsync(
        ClaimsPrincipal user, int subscriptionId, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Operator);
        List<int> tables;
        await using (var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false))
        {
            var subscription = await LoadAsync(context, subscriptionId, cancellationToken).ConfigureAwait(false);
            var running = await ReportRuns.BusyTablesAsync(context, subscriptionId, options.Value.UnclaimedReportTimeout, time, cancellationToken)
                .ConfigureAwait(false);
            tables = [.. subscription.Tables.Where(t => t.State == TableState.Ok && t.KeyColumns.Count > 0 && !running.Contains(t.Id)).OrderBy(t => t.Id).Select(t => t.Id)];
        }
        if (tables.Count == 0)
        {
            throw ReplicationRefusedException.Conflict(
                $"Subscription {subscriptionId} has no table to compare now: tables are compared once their copy has caught up "
                + "(state ok), and one compare of a table at a time.");
        }
        var started = new List<CompareReportInfo>(tables.Count);
        foreach (var table in tables)
        {
            started.Add(await StartCompareAsync(user, subscriptionId, table, cancellationToken).ConfigureAwait(false));
        }
        return started;
    }

    /// <summary>
    /// Runs a started compare to its end and stores what it found; a refusal or failure is kept in the report. A report that
    /// another process runs (it holds the report's lock) or that is no longer running is returned as it is.
    /// </summary>
    public Task<CompareReportInfo> RunCompareAsync(int reportId, CancellationToken cancellationToken) =>
        RunCompareAsync(reportId, filterTarget: false, cancellationToken);

    /// <summary>As <see cref="RunCompareAsync(int, CancellationToken)"/>; a resync in place reads the target with the rule's filter.</summary>
    internal async Task<CompareReportInfo> RunCompareAsync(int reportId, bool filterTarget, CancellationToken cancellationToken)
    {
        await using (var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false))
        {
            await using var claim = await ReportRuns.ClaimAsync(context, reportId, time, cancellationToken).ConfigureAwait(false);
            if (claim is not null)
            {
                return await RunClaimedAsync(reportId, cancellationToken, filterTarget).ConfigureAwait(false);
            }
        }
        return await GetReportAsync(reportId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A started table's compare refused while another compare or repair of it runs (its report claimed by a live process, or
    /// not yet claimed and recent); reports left by processes that died are marked failed on the way.
    /// </summary>
    internal async Task RefuseWhenBusyAsync(ControlDbContext context, TableRuleRecord table, CancellationToken cancellationToken)
    {
        var busy = await ReportRuns.BusyTablesAsync(context, table.SubscriptionId, options.Value.UnclaimedReportTimeout, time, cancellationToken)
            .ConfigureAwait(false);
        if (busy.Contains(table.Id))
        {
            throw ReplicationRefusedException.Conflict(
                $"A compare or repair of {table.SourceSchema}.{table.SourceTable} is running: wait for its report.");
        }
    }

    /// <summary>Runs a compare whose report this process has claimed (<see cref="ReportRuns.ClaimAsync"/>).</summary>
    internal async Task<CompareReportInfo> RunClaimedAsync(int reportId, CancellationToken cancellationToken, bool filterTarget = false)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var report = await context.CompareReports.SingleOrDefaultAsync(r => r.Id == reportId, cancellationToken).ConfigureAwait(false)
            ?? throw ReplicationRefusedException.NotFound($"There is no compare report {reportId}.");
        var subscription = await LoadAsync(context, report.SubscriptionId, cancellationToken).ConfigureAwait(false);
        var table = subscription.Tables.Single(t => t.Id == report.TableRuleId);
        if (report.State != CompareState.Running)
        {
            return Info(report, table);
        }
        var settings = filterTarget ? options.Value.WithFilteredTarget() : options.Value;
        var writer = new ReportWriter(contexts, reportId, settings.MaxDifferencesKept, time);
        try
        {
            await using var source = nodes.Open(subscription.Set!.RootNode!, "ferry-compare", freshConnections: true);
            await using var target = nodes.Open(subscription.TargetNode!, "ferry-compare", freshConnections: true);
            TableRule rule;
            try
            {
                rule = await TableRuleBuilder.BuildAsync(source, target, table, addMissingColumns: false, cancellationToken).ConfigureAwait(false);
            }
            catch (TableRuleException e)
            {
                throw new CompareRefusedException(e.Message);
            }
            report.Columns = [.. rule.Columns.Select(c => c.Name)];
            report.KeyColumns = [.. rule.Key];
            await using var point = await ConsistentPoint.TakeAsync(source, target, subscription.Set.QueueName, subscription.ConsumerName,
                [rule], settings, time, keepHold: false, cancellationToken).ConfigureAwait(false);
            report.Tick = point.Tick;
            await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            using var running = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var progress = SaveProgressAsync(writer, running.Token);
            CompareResult result;
            try
            {
                result = await new TableComparer(source, target, settings).CompareAsync(point, rule, writer, writer, cancellationToken)
                    .ConfigureAwait(false);
            }
            finally
            {
                await running.CancelAsync().ConfigureAwait(false);
                await progress.ConfigureAwait(false);
            }
            report.State = CompareState.Done;
            report.SourceRows = result.SourceRows;
            report.TargetRows = result.TargetRows;
            report.ChunksDone = result.Chunks;
            report.ChunksEstimated = result.Chunks;
            report.DifferingChunks = result.DifferingChunks;
            report.Missing = result.Missing;
            report.Extra = result.Extra;
            report.Different = result.Different;
            table.Differs = report.Differs;
            // A finished compare says what a skipped event left (docs/decisions/ADR-017-error-history.md).
            table.NeedsCompare = false;
        }
        catch (CompareRefusedException e)
        {
            report.State = CompareState.Refused;
            report.Error = e.Message;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            report.State = CompareState.Failed;
            report.Error = e.Message;
        }
        finally
        {
            report.DifferencesKept = writer.Kept;
            report.FinishedAt = time.GetUtcNow();
            if (report.State == CompareState.Running)
            {
                report.State = CompareState.Failed;
                report.Error = "The compare was cancelled.";
            }
            using var save = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await context.SaveChangesAsync(save.Token).ConfigureAwait(false);
            await ReplicationChanges.PublishAsync(context, report.SubscriptionId, save.Token).ConfigureAwait(false);
        }
        return Info(report, table);
    }

    /// <summary>Starts and runs a compare in the caller (tests, and callers that wait for the report).</summary>
    public async Task<CompareReportInfo> CompareTableAsync(ClaimsPrincipal user, int subscriptionId, int tableId, CancellationToken cancellationToken)
    {
        var started = await StartCompareAsync(user, subscriptionId, tableId, cancellationToken).ConfigureAwait(false);
        return await RunCompareAsync(started.Id, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A subscription's compare reports, newest first, optionally of one table.</summary>
    public async Task<IReadOnlyList<CompareReportInfo>> GetReportsAsync(
        ClaimsPrincipal user, int subscriptionId, int? tableId, int take, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Viewer);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var reports = await context.CompareReports.AsNoTracking().Include(r => r.TableRule)
            .Where(r => r.SubscriptionId == subscriptionId && (tableId == null || r.TableRuleId == tableId))
            .OrderByDescending(r => r.StartedAt).ThenByDescending(r => r.Id).Take(Math.Clamp(take, 1, 500))
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. reports.Select(r => Info(r, r.TableRule!))];
    }

    /// <summary>One report.</summary>
    public async Task<CompareReportInfo> GetReportAsync(ClaimsPrincipal user, int reportId, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Viewer);
        return await GetReportAsync(reportId, cancellationToken).ConfigureAwait(false);
    }

    private async Task<CompareReportInfo> GetReportAsync(int reportId, CancellationToken cancellationToken)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var report = await context.CompareReports.AsNoTracking().Include(r => r.TableRule)
            .SingleOrDefaultAsync(r => r.Id == reportId, cancellationToken).ConfigureAwait(false)
            ?? throw ReplicationRefusedException.NotFound($"There is no compare report {reportId}.");
        return Info(report, report.TableRule!);
    }

    /// <summary>A page of a report's differing rows, in the order they were found.</summary>
    public async Task<IReadOnlyList<DifferenceInfo>> GetDifferencesAsync(
        ClaimsPrincipal user, int reportId, int skip, int take, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Viewer);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var rows = await context.CompareDifferences.AsNoTracking().Where(d => d.ReportId == reportId).OrderBy(d => d.Id)
            .Skip(Math.Max(0, skip)).Take(Math.Clamp(take, 1, 1000)).ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. rows.Select(Info)];
    }

    /// <summary>Every differing row of a report, streamed (the CSV download).</summary>
    public async IAsyncEnumerable<DifferenceInfo> StreamDifferencesAsync(
        ClaimsPrincipal user, int reportId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Viewer);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var rows = context.CompareDifferences.AsNoTracking().Where(d => d.ReportId == reportId).OrderBy(d => d.Id).AsAsyncEnumerable();
        await foreach (var row in rows.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            yield return Info(row);
        }
    }

    private async Task SaveProgressAsync(ReportWriter writer, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                await writer.SaveProgressAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // The compare ended; its final counts are saved with the report.
        }
    }

    internal static CompareReportInfo Info(CompareReport r, TableRuleRecord table) => new(
        r.Id, r.SubscriptionId, r.TableRuleId, $"{table.SourceSchema}.{table.SourceTable}", r.State.ToString(), r.RequestedBy, r.StartedAt,
        r.FinishedAt, r.Tick, r.Columns, r.KeyColumns, r.SourceRows, r.TargetRows, r.ChunksDone, r.ChunksEstimated, r.Missing, r.Extra,
        r.Different, r.DifferencesKept, r.Error, r.RepairOfReportId, r.RepairWritten, r.RepairDeleted);

    private static DifferenceInfo Info(CompareDifference d) => new(d.Id, d.Kind, d.Key, d.Columns, d.SourceRow, d.TargetRow);
}
