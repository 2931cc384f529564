using Ferry.Engine.Replication;
using Ferry.Portal.Jobs;
using Hangfire;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

public static class ReplicationJobsDependencyInjection
{
    /// <summary>
    /// The replication jobs: loops started through Hangfire (<see cref="HangfireLoopStarter"/>), a Hangfire server of their own
    /// for the long-running loops (queue <see cref="ReplicationQueues.Loops"/>, <see cref="ReplicationJobsOptions.LoopWorkers"/>
    /// workers) so they never starve the short jobs, the takeover timer (<see cref="LoopTakeover"/>) that restarts a dead
    /// process's loops within seconds, and the recurring supervisor, maintenance and sequence jobs.
    /// </summary>
    public static IServiceCollection AddReplicationJobs(this IServiceCollection services, bool runServer)
    {
        services.AddOptions<ReplicationJobsOptions>().BindConfiguration(ReplicationJobsOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IReplicationLoopStarter, HangfireLoopStarter>();
        services.AddTransient<ApplyLoopJob>();
        services.AddTransient<TickerJob>();
        services.AddTransient<ReplicationSupervisorJob>();
        services.AddTransient<QueueMaintenanceJob>();
        services.AddTransient<SequenceSyncJob>();
        if (runServer)
        {
            services.AddHangfireServer((provider, server) =>
            {
                server.ServerName = $"{Environment.MachineName}:{Environment.ProcessId}:loops";
                server.Queues = [ReplicationQueues.Loops];
                server.WorkerCount = provider.GetRequiredService<IOptions<ReplicationJobsOptions>>().Value.LoopWorkers;
            });
            services.AddHostedService<LoopTakeover>();
        }
        services.AddHostedService<ReplicationJobsRegistration>();
        return services;
    }
}
