using System.Collections.Concurrent;
using Ferry.Engine.Replication;
using Microsoft.Extensions.DependencyInjection;

namespace Ferry.Engine.Tests.Replication;

/// <summary>
/// The loop host of the engine tests: runs the loops the service layer starts as tasks (what the portal does with
/// Hangfire jobs), and stops them all on dispose. Starting a running loop again is harmless, as in the portal: the second
/// runner finds the loop's lock taken and returns.
/// </summary>
internal sealed class TaskLoopHost : IReplicationLoopStarter, IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentBag<Task> _running = [];

    public IServiceProvider? Services { get; set; }

    public void StartTicker(int setId) =>
        _running.Add(Task.Run(() => Provider.GetRequiredService<SetTickerRunner>().RunAsync(setId, _stop.Token)));

    /// <summary>How many times an apply loop was asked to start.</summary>
    public int ApplyStarts => _applyStarts;

    private int _applyStarts;

    public void StartApply(int subscriptionId)
    {
        Interlocked.Increment(ref _applyStarts);
        _running.Add(Task.Run(() => Provider.GetRequiredService<SubscriptionRunner>().RunAsync(subscriptionId, _stop.Token)));
    }

    /// <summary>Stops every loop ("the process stops") and waits for them; loop failures other than the stop are rethrown.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        foreach (var task in _running)
        {
            try
            {
                await task;
            }
            catch (OperationCanceledException)
            {
            }
        }
        _stop.Dispose();
    }

    private IServiceProvider Provider => Services ?? throw new InvalidOperationException("Set Services first.");
}
