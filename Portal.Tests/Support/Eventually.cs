using System.Diagnostics;

namespace Ferry.Portal.Tests.Support;

/// <summary>Waits for a condition with a timeout (no fixed sleeps): checks it every 100 ms.</summary>
public static class Eventually
{
    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > timeout)
            {
                Assert.Fail($"Not reached within {timeout.TotalSeconds} s: {what}");
            }
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }
}
