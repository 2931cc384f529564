using Ferry.Engine.Copy;

namespace Ferry.Engine.Tests.Copy;

public sealed class CopySchedulerTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task RunAsync_RunsAtMostTheConfiguredNumberAtOnce(int max)
    {
        var options = new CopyOptions { MaxConcurrentCopies = max };
        using var scheduler = new CopyScheduler(null!, options);
        var running = 0;
        var peak = 0;
        var all = Enumerable.Range(0, 8).Select(i => scheduler.RunAsync(async ct =>
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref peak, now);
            await Task.Delay(30, ct);
            Interlocked.Decrement(ref running);
            return i;
        }, TestContext.Current.CancellationToken));

        Assert.Equal(Enumerable.Range(0, 8), await Task.WhenAll(all));
        Assert.Equal(max, peak);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
