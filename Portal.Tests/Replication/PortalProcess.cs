using System.Collections.Concurrent;
using System.Diagnostics;

namespace Ferry.Portal.Tests.Replication;

/// <summary>
/// The built portal (Ferry.Portal.dll) as a process of its own, so a test can kill it the hard way (SIGKILL: no shutdown,
/// no cleanup) and start it again.
/// </summary>
internal sealed class PortalProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private PortalProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>The operating system's id of the portal process.</summary>
    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The last lines the portal wrote (for failure messages).</summary>
    public string Tail => string.Join('\n', _output);

    /// <summary>Starts the portal with the given environment, on <paramref name="urls"/> (any free port unless given), with
    /// extra command-line arguments (such as <c>--demo</c>).</summary>
    public static PortalProcess Start(
        IReadOnlyDictionary<string, string> environment, string urls = "http://127.0.0.1:0", params string[] arguments)
    {
        // Same configuration as this test build: .../Portal.Tests/bin/<Configuration>/net10.0/ -> .../Portal/bin/<Configuration>/net10.0/
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var portalBin = Path.Combine(testBin.Parent!.Parent!.Parent!.Parent!.FullName, "Portal", "bin", testBin.Parent.Name, testBin.Name);
        var start = new ProcessStartInfo("dotnet", [Path.Combine(portalBin, "Ferry.Portal.dll"), "--urls", urls, .. arguments])
        {
            WorkingDirectory = portalBin,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        return new PortalProcess(Process.Start(start) ?? throw new InvalidOperationException("The portal did not start."));
    }

    /// <summary>Kills the portal at once, as a crash or an OOM killer would.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        await _process.WaitForExitAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>Stops the portal as a service manager would (SIGTERM, then its shutdown runs); kills it after 60 s.</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited)
        {
            return;
        }
        using (var term = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await term.WaitForExitAsync(TestContext.Current.CancellationToken);
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            await KillAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }
        _output.Enqueue(line);
        while (_output.Count > 40)
        {
            _output.TryDequeue(out _);
        }
    }
}
