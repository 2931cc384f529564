using Ferry.Engine.Schedules;
using Hangfire;

namespace Ferry.Portal.Jobs;

/// <summary>Keeps one Hangfire recurring job per enabled schedule, in the schedule's cron and time zone.</summary>
internal sealed class HangfireScheduleRegistry(IRecurringJobManager recurringJobs) : IScheduleRegistry
{
    public void Register(ScheduleView schedule)
    {
        if (!schedule.Enabled)
        {
            recurringJobs.RemoveIfExists(schedule.RecurringJobId);
            return;
        }
        recurringJobs.AddOrUpdate<ScheduledResyncJob>(
            schedule.RecurringJobId,
            job => job.RunAsync(schedule.Id, CancellationToken.None),
            schedule.Cron,
            new RecurringJobOptions { TimeZone = ScheduleCron.FindTimeZone(schedule.TimeZone) });
    }

    public void Remove(int scheduleId) => recurringJobs.RemoveIfExists(ScheduleView.JobIdOf(scheduleId));
}
