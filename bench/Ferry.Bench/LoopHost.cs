using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using Ferry.Engine.Replication;
using Microsoft.Extensions.DependencyInjection;

namespace Ferry.Bench;

/// <summary>
/// Runs the loops the service layer starts the way the portal does: one FIFO queue of loop jobs and a fixed number of
/// workers (the portal's Hangfire server on queue <c>loops</c> has <c>ReplicationJobs:LoopWorkers</c> = 20), each job a
/// <see cref="SubscriptionRunner"/> or <see cref="SetTickerRunner"/> run. A job for a loop that already runs waits for its
/// lock (<c>Replication:LockWait</c>) and ends; the host counts those jobs and the worker time they take.
/// </summary>
internal sealed class LoopHost : IReplicationLoopStarter, IAsyncDisposable
{
    private readonly Channel<(bool Apply, int Id, long Enqueued)> _queue = Channel.CreateUnbounded<(bool, int, long)>();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _workers = [];
    private readonly ConcurrentBag<Exception> _failures = [];
    private readonly TimeSpan _shortJob;
    private int _disposed;
    private int _queued;
    private int _maxQueued;
    private int _jobs;
    private int _shortJobs;
    private long _shortJobTicks;
    private long _maxWaitTicks;

    public LoopHost(IServiceProvider services, int workers, TimeSpan lockWait)
    {
        _shortJob = lockWait + TimeSpan.FromSeconds(1);
        for (var i = 0; i < workers; i++)
        {
            _workers.Add(Task.Run(() => WorkAsync(services)));
        }
    }

    /// <summary>Jobs run so far.</summary>
    public int Jobs => Volatile.Read(ref _jobs);

    /// <summary>Jobs that ended within the lock wait (their loop ran elsewhere already) and the worker seconds they took.</summary>
    public (int Count, double WorkerSeconds) ShortJobs => (Volatile.Read(ref _shortJobs), TimeSpan.FromTicks(Interlocked.Read(ref _shortJobTicks)).TotalSeconds);

    /// <summary>The longest queue and the longest wait of a job for a worker.</summary>
    public (int Length, double Seconds) Backlog => (Volatile.Read(ref _maxQueued), TimeSpan.FromTicks(Interlocked.Read(ref _maxWaitTicks)).TotalSeconds);

    public IReadOnlyCollection<Exception> Failures => _failures;

    public void ResetCounters()
    {
        Volatile.Write(ref _jobs, 0);
        Volatile.Write(ref _shortJobs, 0);
        Interlocked.Exchange(ref _shortJobTicks, 0);
        Interlocked.Exchange(ref _maxWaitTicks, 0);
        Volatile.Write(ref _maxQueued, Volatile.Read(ref _queued));
    }

    public void StartTicker(int setId) => Enqueue(false, setId);

    public void StartApply(int subscriptionId) => Enqueue(true, subscriptionId);

    private void Enqueue(bool apply, int id)
    {
        var queued = Interlocked.Increment(ref _queued);
        int max;
        while (queued > (max = Volatile.Read(ref _maxQueued)) && Interlocked.CompareExchange(ref _maxQueued, queued, max) != max)
        {
        }
        _queue.Writer.TryWrite((apply, id, Stopwatch.GetTimestamp()));
    }

    private async Task WorkAsync(IServiceProvider services)
    {
        try
        {
            await foreach (var (apply, id, enqueued) in _queue.Reader.ReadAllAsync(_stop.Token))
            {
                Interlocked.Decrement(ref _queued);
                var waited = Stopwatch.GetElapsedTime(enqueued).Ticks;
                long max;
                while (waited > (max = Interlocked.Read(ref _maxWaitTicks)) && Interlocked.CompareExchange(ref _maxWaitTicks, waited, max) != max)
                {
                }
                Interlocked.Increment(ref _jobs);
                var started = Stopwatch.GetTimestamp();
                try
                {
                    if (apply)
                    {
                        await services.GetRequiredService<SubscriptionRunner>().RunAsync(id, _stop.Token);
                    }
                    else
                    {
                        await services.GetRequiredService<SetTickerRunner>().RunAsync(id, _stop.Token);
                    }
                }
                catch (OperationCanceledException) when (_stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    _failures.Add(e);
                }
                var took = Stopwatch.GetElapsedTime(started);
                if (took < _shortJob)
                {
                    Interlocked.Increment(ref _shortJobs);
                    Interlocked.Add(ref _shortJobTicks, took.Ticks);
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        await _stop.CancelAsync();
        _queue.Writer.TryComplete();
        await Task.WhenAll(_workers);
        _stop.Dispose();
    }
}
