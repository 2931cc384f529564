using Hangfire;
using Microsoft.Extensions.Options;

namespace Ferry.Portal.Jobs;

/// <summary>
/// At startup: registers the replication's recurring jobs. (The loops start at once through the takeover timer's first
/// round, see <see cref="LoopTakeover"/>.)
/// </summary>
public sealed class ReplicationJobsRegistration(IRecurringJobManager recurring, IOptions<ReplicationJobsOptions> options) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        recurring.AddOrUpdate<ReplicationSupervisorJob>(
            ReplicationSupervisorJob.RecurringJobId, job => job.RunAsync(CancellationToken.None), settings.SupervisorCron);
        recurring.AddOrUpdate<QueueMaintenanceJob>(
            QueueMaintenanceJob.RecurringJobId, job => job.RunAsync(CancellationToken.None), settings.MaintenanceCron);
        recurring.AddOrUpdate<SequenceSyncJob>(
            SequenceSyncJob.RecurringJobId, job => job.RunAsync(CancellationToken.None), settings.SequenceSyncCron);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
