using Ferry.Engine.Apply;
using Ferry.Engine.Control;
using Ferry.Engine.Errors.Internal;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Ferry.Engine.Errors;

/// <summary>
/// Keeps one subscription's errors in the control database, grouped by cause (docs/decisions/ADR-017-error-history.md): a
/// new error joins the open group of its table, SQLSTATE and normalised message, or opens one; each group keeps its latest
/// <see cref="ErrorsOptions.OccurrencesPerGroup"/> occurrences. Never throws: a control database that does not answer
/// loses the record (logged), never stops replication.
/// </summary>
public sealed class SubscriptionErrorJournal(
    IDbContextFactory<ControlDbContext> contexts, int subscriptionId, ErrorsOptions options, TimeProvider time, ILogger logger)
    : IApplyErrorJournal
{
    private IReadOnlyDictionary<string, int> _tableIds = new Dictionary<string, int>();

    /// <summary>The table rule id of each source table (as events name it) the loop applies now.</summary>
    public void UseTables(IReadOnlyDictionary<string, int> tableIds) => _tableIds = tableIds;

    public async Task FailedAsync(ApplyErrorReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        await SafelyAsync(async context =>
        {
            int? tableId = report.Table is not null && _tableIds.TryGetValue(report.Table, out var id) ? id : null;
            var sqlState = report.SqlState ?? "";
            var cause = ErrorCause.Normalise(report.ServerMessage);
            var now = time.GetUtcNow();
            var group = await context.ErrorGroups
                .Where(g => g.SubscriptionId == subscriptionId && g.ClosedAt == null && g.SourceTable == report.Table
                    && g.SqlState == sqlState && g.Cause == cause)
                .OrderByDescending(g => g.LastSeen).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
            if (group is null)
            {
                group = new ErrorGroup
                {
                    SubscriptionId = subscriptionId, TableRuleId = tableId, SourceTable = report.Table, SqlState = sqlState, Cause = cause,
                    FirstSeen = now,
                };
                context.ErrorGroups.Add(group);
            }
            group.Transient = report.Transient;
            group.Status = report.Transient ? ErrorStatus.Retrying : ErrorStatus.Failing;
            group.Count++;
            group.LastSeen = now;
            var (key, row) = FailedRow.Of(report.Event?.Data, report.Key);
            group.Occurrences.Add(new ErrorOccurrence
            {
                At = now, TickId = report.TickId, Message = report.Message, ServerMessage = report.ServerMessage, Detail = report.Detail,
                Ending = report.Ending.ToString(), EventId = report.Event?.Id, Operation = report.Event?.Type, Key = key, Row = row,
            });
            await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            if (group.Count > options.OccurrencesPerGroup)
            {
                var keep = context.ErrorOccurrences.Where(o => o.GroupId == group.Id)
                    .OrderByDescending(o => o.At).ThenByDescending(o => o.Id).Take(options.OccurrencesPerGroup).Select(o => o.Id);
                await context.ErrorOccurrences.Where(o => o.GroupId == group.Id && !keep.Contains(o.Id))
                    .ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    public Task PassedAsync(IReadOnlyCollection<string> tables, CancellationToken cancellationToken) =>
        SafelyAsync(async context =>
        {
            var open = context.ErrorGroups.Where(g => g.SubscriptionId == subscriptionId && g.ClosedAt == null);
            open = tables.Count == 0
                ? open.Where(g => g.Status == ErrorStatus.Retrying)
                : open.Where(g => g.SourceTable != null && tables.Contains(g.SourceTable)
                    && (g.Status == ErrorStatus.Failing || g.Status == ErrorStatus.RetryRequested || g.Status == ErrorStatus.Retrying));
            await CloseAsync(open, "retried and passed", cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <summary>
    /// The subscription applies again (a batch applied, or none waiting): its own errors that stopped it (resumed since) and
    /// transient ones end as passed.
    /// </summary>
    public Task RunningAsync(CancellationToken cancellationToken) =>
        SafelyAsync(context => CloseAsync(
            context.ErrorGroups.Where(g => g.SubscriptionId == subscriptionId && g.ClosedAt == null && g.SourceTable == null),
            "retried and passed", cancellationToken), cancellationToken);

    /// <summary>An error met outside a batch (the loop could not start or was cut off): kept as transient, the runner retries.</summary>
    public Task RunnerFailedAsync(Exception error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(error);
        var server = error as Npgsql.PostgresException ?? error.InnerException as Npgsql.PostgresException;
        return FailedAsync(new ApplyErrorReport(null, null, true, error.Message, server?.MessageText ?? error.Message, server?.SqlState,
            null, null, [], ApplyErrorEnding.Retrying), cancellationToken);
    }

    private async Task CloseAsync(IQueryable<ErrorGroup> groups, string resolution, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await groups.ExecuteUpdateAsync(
            s => s.SetProperty(g => g.Status, ErrorStatus.Passed).SetProperty(g => g.ClosedAt, now).SetProperty(g => g.Resolution, resolution),
            cancellationToken).ConfigureAwait(false);
    }

    private async Task SafelyAsync(Func<ControlDbContext, Task> work, CancellationToken cancellationToken)
    {
        try
        {
            await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
            await work(context).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.NotKept(e, subscriptionId);
        }
    }
}
