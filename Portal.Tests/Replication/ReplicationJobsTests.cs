using Ferry.Engine.Replication;
using Ferry.Portal.Jobs;
using Ferry.Portal.Tests.Support;
using Hangfire;
using Hangfire.States;
using Hangfire.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

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

    [Fact]
    public void ALoopGetsOneStart_UntilItsJobEnds_OrItsProcessIsGone()
    {
        // The fixture's portal runs no Hangfire server: jobs stay where the test puts them. No such subscription exists.
        const int subscriptionId = 900_001;
        var services = fixture.Portal.Services;
        var starter = ActivatorUtilities.CreateInstance<HangfireLoopStarter>(services);
        var client = services.GetRequiredService<IBackgroundJobClient>();
        using var storage = services.GetRequiredService<JobStorage>().GetConnection();
        string? Last() => storage.GetAllEntriesFromHash(HangfireLoopStarter.HashKey("apply", subscriptionId))?.GetValueOrDefault("job");

        starter.StartApply(subscriptionId);
        var first = Last();
        Assert.NotNull(first);
        Assert.Equal(EnqueuedState.StateName, storage.GetStateData(first).Name);
        // Asked again while it waits for a worker, and while a worker has just taken it: no second job.
        starter.StartApply(subscriptionId);
        Assert.Equal(first, Last());
        Assert.True(client.ChangeState(first, new WorkerState(DateTime.UtcNow), EnqueuedState.StateName));
        starter.StartApply(subscriptionId);
        Assert.Equal(first, Last());

        // Processing since longer than the loop's lock wait and the grace (and the takeover timer asks only when nobody holds
        // the loop's lock): its process is gone, a new job takes over.
        var wait = services.GetRequiredService<IOptions<ReplicationOptions>>().Value.LockWait + HangfireLoopStarter.StartingGrace;
        var longAgo = DateTime.UtcNow - wait - TimeSpan.FromSeconds(1);
        Assert.True(client.ChangeState(first, new WorkerState(longAgo), ProcessingState.StateName));
        starter.StartApply(subscriptionId);
        var second = Last();
        Assert.NotEqual(first, second);
        Assert.Equal(EnqueuedState.StateName, storage.GetStateData(second!).Name);

        // A job that ended is replaced.
        Assert.True(client.ChangeState(second!, new SucceededState(null, 0, 0), EnqueuedState.StateName));
        starter.StartApply(subscriptionId);
        Assert.NotEqual(second, Last());
        Assert.Equal(EnqueuedState.StateName, storage.GetStateData(Last()!).Name);
    }

    /// <summary>"Processing" as a worker of another process records it (Hangfire's own state has no public constructor).</summary>
    private sealed class WorkerState(DateTime startedAt) : IState
    {
        public string Name => ProcessingState.StateName;

        public string? Reason => null;

        public bool IsFinal => false;

        public bool IgnoreJobLoadException => false;

        public Dictionary<string, string> SerializeData() => new()
        {
            ["StartedAt"] = Hangfire.Common.JobHelper.SerializeDateTime(startedAt),
            ["ServerId"] = "portal-b:4242:loops",
            ["WorkerId"] = "worker-1",
        };
    }
}
