using Ferry.Engine.Control;
using Ferry.Engine.Replication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Ferry.Portal.Jobs;

/// <summary>
/// The takeover timer of a process that runs jobs: every <see cref="ReplicationJobsOptions.TakeoverInterval"/> (and at
/// startup) it starts the loops that should run and whose lock nobody holds, so the loops of a process that died run again
/// elsewhere within seconds, not at the supervisor job's next minute (docs/decisions/ADR-008-shared-key-ring-and-loop-takeover.md).
/// </summary>
/// <remarks>
/// Every process runs it; <see cref="HangfireLoopStarter"/> makes sure a loop gets one start, whoever asks. One round costs
/// two small queries on the control database and one per loop (is its lock held?); the nodes are not touched.
/// </remarks>
internal sealed partial class LoopTakeover(
    IDbContextFactory<ControlDbContext> contexts, IReplicationLoopStarter loops, IOptions<ReplicationJobsOptions> options,
    TimeProvider time, ILogger<LoopTakeover> logger) : BackgroundService
{
    // The supervisor's own log line would repeat every round while a started loop waits for a worker: the starter logs what
    // it really starts.
    private readonly ReplicationSupervisor _supervisor = new(contexts, loops, NullLogger<ReplicationSupervisor>.Instance);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.TakeoverInterval, time);
        var failing = false;
        do
        {
            try
            {
                await _supervisor.StartMissingAsync(stoppingToken);
                if (failing)
                {
                    LogRecovered(logger);
                    failing = false;
                }
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                if (!failing)
                {
                    LogFailed(logger, e.Message);
                    failing = true;
                }
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(2041, LogLevel.Warning, "The takeover timer cannot look for loops to start: {Error}; it tries again every round")]
    private static partial void LogFailed(ILogger logger, string error);

    [LoggerMessage(2042, LogLevel.Information, "The takeover timer looks for loops to start again")]
    private static partial void LogRecovered(ILogger logger);
}
