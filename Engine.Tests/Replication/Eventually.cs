using System.Diagnostics;

namespace Ferry.Engine.Tests.Replication;

/// <summary>Waits for a condition with a timeout (no fixed sleeps): checks it every 200 ms.</summary>
internal static class Eventually
{
    public static async Task<T> WaitAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan timeout, Func<T, string> describe)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }
            if (clock.Elapsed > timeout)
            {
                Assert.Fail($"Not reached within {timeout.TotalSeconds} s: {describe(value)}");
            }
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }
    }
}
