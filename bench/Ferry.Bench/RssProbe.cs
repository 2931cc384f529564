using System.Globalization;

namespace Ferry.Bench;

/// <summary>
/// Peak resident memory of one process (the portal, or the benchmark's own process) over a window: the window starts by
/// resetting the kernel's high-water mark (<c>echo 5 &gt; /proc/PID/clear_refs</c>, Linux 4.0+, the process's owner or root)
/// and ends by reading <c>VmHWM</c> from <c>/proc/PID/status</c>. Where the reset is refused, a sampler reads
/// <c>VmRSS</c> every 50 ms instead (a peak shorter than that can be missed; the report says which way was used).
/// </summary>
internal sealed class RssProbe(int pid)
{
    public int Pid => pid;

    /// <summary>"VmHWM after a clear_refs reset" or "VmRSS sampled every 50 ms": how the last window was measured.</summary>
    public string Method { get; private set; } = "VmHWM after a clear_refs reset";

    /// <summary>Resident memory now, in MB (NaN when the process is gone).</summary>
    public double CurrentMb() => Read("VmRSS:");

    /// <summary>Starts a window; dispose or <see cref="Window.StopAsync"/> it to read the peak.</summary>
    public Window Start() => new(this);

    /// <summary>Peak RSS over <paramref name="run"/>, with its result.</summary>
    public async Task<(T Result, double PeakMb)> MeasureAsync<T>(Func<Task<T>> run)
    {
        var window = Start();
        T result;
        try
        {
            result = await run();
        }
        finally
        {
            await window.StopAsync();
        }
        return (result, window.PeakMb);
    }

    private bool Reset()
    {
        try
        {
            File.WriteAllText($"/proc/{pid}/clear_refs", "5");
            Method = "VmHWM after a clear_refs reset";
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Method = "VmRSS sampled every 50 ms";
            return false;
        }
    }

    private double Read(string field)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith(field, StringComparison.Ordinal))
                {
                    var kb = line[field.Length..].Trim().Split(' ')[0];
                    return double.Parse(kb, CultureInfo.InvariantCulture) / 1024;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // the process is gone
        }
        return double.NaN;
    }

    /// <summary>One measurement window.</summary>
    internal sealed class Window
    {
        private readonly RssProbe _probe;
        private readonly bool _reset;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _sampler;
        private double _sampled;

        public Window(RssProbe probe)
        {
            _probe = probe;
            _reset = probe.Reset();
            _sampled = probe.CurrentMb();
            _sampler = _reset ? Task.CompletedTask : Task.Run(SampleAsync);
        }

        /// <summary>The peak in MB once stopped.</summary>
        public double PeakMb { get; private set; } = double.NaN;

        public async Task StopAsync()
        {
            if (!double.IsNaN(PeakMb))
            {
                return;
            }
            await _stop.CancelAsync();
            await _sampler;
            _stop.Dispose();
            PeakMb = _reset ? Math.Max(_probe.Read("VmHWM:"), _sampled) : Math.Max(_sampled, _probe.CurrentMb());
        }

        private async Task SampleAsync()
        {
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    var now = _probe.CurrentMb();
                    if (now > _sampled)
                    {
                        _sampled = now;
                    }
                    await Task.Delay(50, _stop.Token);
                }
            }
            catch (OperationCanceledException)
            {
                // stopped
            }
        }
    }
}
