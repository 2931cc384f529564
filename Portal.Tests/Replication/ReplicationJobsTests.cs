using Ferry.Portal.Jobs;
using Ferry.Portal.Tests.Support;
using Hangfire;
using Hangfire.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Ferry.Portal.Tests.Replication;

[Collection(PortalCollection.Name)]
public sealed class ReplicationJobsTests(PortalFixture fixture)
{
    [Fact]
    public void SupervisorMaintenanceAndSequences_AreRecurringJobs()
    {
        using var connection = fixture.Portal.Services.GetRequiredService<JobStorage>().GetConnection();

        var jobs = connection.GetRecurringJobs();

        Assert.Contains(jobs, job => job.Id == ReplicationSupervisorJob.RecurringJobId && job.Cron == "* * * * *");
        Assert.Contains(jobs, job => job.Id == QueueMaintenanceJob.RecurringJobId);
        Assert.Contains(jobs, job => job.Id == SequenceSyncJob.RecurringJobId);
    }

    [Fact]
    public void Loops_StartAsHangfireJobs_OnTheirOwnQueue()
    {
        Assert.IsType<HangfireLoopStarter>(fixture.Portal.Services.GetRequiredService<Ferry.Engine.Replication.IReplicationLoopStarter>());
        var queue = typeof(ApplyLoopJob).GetMethod(nameof(ApplyLoopJob.RunAsync))!
            .GetCustomAttributes(typeof(QueueAttribute), false).Cast<QueueAttribute>().Single().Queue;
        Assert.Equal(ReplicationQueues.Loops, queue);
    }
}
