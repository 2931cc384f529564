using System.Globalization;
using Ferry.Engine.Replication;
using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using Hangfire.Storage;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Ferry.Portal.Jobs;

/// <summary>
/// Starts loops as Hangfire jobs on <see cref="ReplicationQueues.Loops"/>, at most one start in flight per loop across every
/// portal process on the control database (docs/decisions/ADR-008-shared-key-ring-and-loop-takeover.md).
/// </summary>
/// <remarks>
/// <para>
/// The last job started for each loop is kept in Hangfire's storage (hash <c>ferry:loop:&lt;kind&gt;:&lt;id&gt;</c>). A start
/// enqueues a new job unless that one is still to run (enqueued, or started less than the loop's lock wait plus
/// <see cref="StartingGrace"/> ago): so the takeover timer, asking every few seconds about a loop that waits for a free
/// worker, does not queue it again and again. A job "Processing" for longer than that while the loop's lock is free (the
/// takeover timer asks only then) belongs to a process that died, whose locks went with its sessions: a new job is started,
/// on whichever process fetches it first. (A start asked while the loop runs, such as a resume, may add a job that finds the
/// lock taken and ends at once, as before.)
/// </para>
/// <para>
/// Deciding and enqueueing happen under a transaction advisory lock keyed by the loop, so two processes asking at the same
/// moment start it once. The dead process's job stays "Processing" in <c>/jobs</c> until Hangfire's invisibility timeout
/// hands it to a live worker, where it ends at once (the loop's lock is held).
/// </para>
/// </remarks>
public sealed partial class HangfireLoopStarter(
    IBackgroundJobClient jobs, JobStorage storage, IConfiguration configuration, IOptions<ReplicationOptions> replication,
    TimeProvider time, ILogger<HangfireLoopStarter> logger) : IReplicationLoopStarter
{
    /// <summary>How long past the loop's lock wait a started job may take to take its lock before it counts as lost.</summary>
    public static readonly TimeSpan StartingGrace = TimeSpan.FromSeconds(2);

    // Two-key transaction advisory locks (class, id) in the control database, beside the loops' own
    // (Engine/Replication/Internal/LoopLock.cs: "frtk", "frap").
    private const int TickerStartClass = 0x66727374; // "frst"
    private const int ApplyStartClass = 0x66727361; // "frsa"

    private readonly string _control = configuration.GetConnectionString("Control")
        ?? throw new InvalidOperationException("ConnectionStrings:Control is not set.");

    public void StartTicker(int setId) =>
        Start("ticker", TickerStartClass, setId,
            () => jobs.Enqueue<TickerJob>(ReplicationQueues.Loops, job => job.RunAsync(setId, CancellationToken.None)));

    public void StartApply(int subscriptionId) =>
        Start("apply", ApplyStartClass, subscriptionId,
            () => jobs.Enqueue<ApplyLoopJob>(ReplicationQueues.Loops, job => job.RunAsync(subscriptionId, CancellationToken.None)));

    /// <summary>The hash that names the last job started for a loop.</summary>
    public static string HashKey(string kind, int id) => string.Create(CultureInfo.InvariantCulture, $"ferry:loop:{kind}:{id}");

    private void Start(string kind, int lockClass, int id, Func<string> enqueue)
    {
        using var connection = new NpgsqlConnection(_control);
        connection.Open();
        using var transaction = connection.BeginTransaction();
        using (var take = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1, $2)", connection, transaction))
        {
            take.Parameters.Add(new NpgsqlParameter { Value = lockClass });
            take.Parameters.Add(new NpgsqlParameter { Value = id });
            take.ExecuteNonQuery();
        }
        using var jobStorage = storage.GetConnection();
        var key = HashKey(kind, id);
        var last = jobStorage.GetAllEntriesFromHash(key)?.GetValueOrDefault("job");
        var why = last is null ? "first start" : Pending(jobStorage, last);
        if (why is null)
        {
            return;
        }
        var jobId = enqueue();
        using (var write = jobStorage.CreateWriteTransaction())
        {
            write.SetRangeInHash(key, [new("job", jobId)]);
            write.Commit();
        }
        transaction.Commit();
        LogStarted(logger, kind, id, jobId, why);
    }

    /// <summary>Null when the last job is still to run; otherwise why a new one is started.</summary>
    private string? Pending(IStorageConnection jobStorage, string jobId)
    {
        var state = jobStorage.GetStateData(jobId);
        var name = state?.Name;
        if (name == EnqueuedState.StateName || name == ScheduledState.StateName || name == AwaitingState.StateName)
        {
            return null;
        }
        if (name != ProcessingState.StateName)
        {
            return $"its last job {jobId} is {name ?? "gone"}";
        }
        var started = state!.Data.TryGetValue("StartedAt", out var text) ? JobHelper.DeserializeNullableDateTime(text) : null;
        if (started is null || time.GetUtcNow().UtcDateTime - started.Value < replication.Value.LockWait + StartingGrace)
        {
            return null;
        }
        var server = state.Data.TryGetValue("ServerId", out var id) ? id : "?";
        return $"its last job {jobId} has been processing since {started:HH:mm:ss} UTC on {server}: if that process died, "
            + "the new job takes over; if it runs, the new job ends at once";
    }

    [LoggerMessage(2040, LogLevel.Information, "Started the {Kind} loop {Id} as job {JobId}: {Why}")]
    private static partial void LogStarted(ILogger logger, string kind, int id, string jobId, string why);
}
