using Ferry.Engine.Control;
using Microsoft.EntityFrameworkCore;

namespace Ferry.Engine.Schedules;

/// <summary>One run of a schedule: reads it and hands its target to <see cref="IResyncRunner"/> or <see cref="ICompareRunner"/>.</summary>
public sealed class ScheduledResync(IDbContextFactory<ControlDbContext> contexts, IResyncRunner runner, ICompareRunner compares)
{
    public async Task RunAsync(int scheduleId, CancellationToken cancellationToken)
    {
        Schedule? schedule;
        await using (var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false))
        {
            schedule = await context.Schedules.AsNoTracking().FirstOrDefaultAsync(s => s.Id == scheduleId, cancellationToken)
                .ConfigureAwait(false);
        }
        // Deleted or disabled between the trigger and the run: nothing to do.
        if (schedule is not { Enabled: true })
        {
            return;
        }
        var requestedBy = $"schedule:{schedule.Name}";
        switch (schedule.Kind)
        {
            case ScheduleKind.ResyncTable when schedule.TableRuleId is { } tableRuleId:
                await runner.ResyncTableAsync(tableRuleId, requestedBy, cancellationToken).ConfigureAwait(false);
                break;
            case ScheduleKind.ResyncSubscription:
                await runner.ResyncSubscriptionAsync(schedule.SubscriptionId, requestedBy, cancellationToken).ConfigureAwait(false);
                break;
            case ScheduleKind.CompareTable when schedule.TableRuleId is { } compared:
                await compares.CompareTableAsync(compared, requestedBy, schedule.RepairAfter, cancellationToken).ConfigureAwait(false);
                break;
            case ScheduleKind.Compare:
                await compares.CompareSubscriptionAsync(schedule.SubscriptionId, requestedBy, schedule.RepairAfter, cancellationToken)
                    .ConfigureAwait(false);
                break;
            default:
                throw new NotSupportedException($"Schedule '{schedule.Name}' is a {schedule.Kind}, which Ferry cannot run yet.");
        }
    }
}
