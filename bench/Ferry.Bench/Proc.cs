using System.Diagnostics;
using System.Text;

namespace Ferry.Bench;

/// <summary>Result of one finished external program.</summary>
internal sealed record ProcResult(int ExitCode, string Output, TimeSpan Elapsed)
{
    public ProcResult Check(string what)
    {
        if (ExitCode != 0)
        {
            throw new BenchException($"{what} failed (exit {ExitCode}):\n{Tail(Output, 40)}");
        }
        return this;
    }

    public static string Tail(string text, int lines) => string.Join('\n', text.Split('\n').TakeLast(lines));
}

internal sealed class BenchException(string message) : Exception(message);

/// <summary>
/// Runs external programs (pgbench, londiste, pgqd) with a time limit. Long-running ones are tracked and killed, with
/// their whole process tree, when the benchmark ends, whatever happened.
/// </summary>
internal static class Proc
{
    private static readonly List<Process> Running = [];
    private static readonly Lock Gate = new();

    public static async Task<ProcResult> RunAsync(
        string file, IEnumerable<string> args, TimeSpan timeout, CancellationToken ct,
        IReadOnlyDictionary<string, string>? env = null, string? workDir = null)
    {
        using var process = Create(file, args, env, workDir);
        var output = new StringBuilder();
        var sync = new Lock();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (sync) { output.Append(e.Data).Append('\n'); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (sync) { output.Append(e.Data).Append('\n'); } } };
        var watch = Stopwatch.StartNew();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            if (ct.IsCancellationRequested)
            {
                throw;
            }
            lock (sync)
            {
                throw new BenchException($"{Path.GetFileName(file)} {string.Join(' ', args)} did not finish within {timeout}:\n" +
                                         ProcResult.Tail(output.ToString(), 20));
            }
        }
        process.WaitForExit(); // flush the output readers
        lock (sync)
        {
            return new ProcResult(process.ExitCode, output.ToString(), watch.Elapsed);
        }
    }

    /// <summary>Starts a long-running program whose output goes to a log file; it is killed by <see cref="KillAll"/>.</summary>
    public static Process Start(string file, IEnumerable<string> args, string logFile, IReadOnlyDictionary<string, string>? env = null)
    {
        var process = Create(file, args, env, null);
        var log = new StreamWriter(logFile, append: true) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        process.Exited += (_, _) => { lock (log) { log.Flush(); } };
        process.EnableRaisingEvents = true;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        lock (Gate)
        {
            Running.Add(process);
        }
        return process;
    }

    public static void Stop(Process process)
    {
        Kill(process);
        lock (Gate)
        {
            Running.Remove(process);
        }
        process.Dispose();
    }

    /// <summary>Kills every tracked program and every process named in a pid file under <paramref name="pidDirectory"/>.</summary>
    public static void KillAll(string? pidDirectory)
    {
        List<Process> all;
        lock (Gate)
        {
            all = [.. Running];
            Running.Clear();
        }
        foreach (var p in all)
        {
            Kill(p);
            p.Dispose();
        }
        if (pidDirectory is not null && Directory.Exists(pidDirectory))
        {
            foreach (var file in Directory.EnumerateFiles(pidDirectory, "*.pid*", SearchOption.AllDirectories))
            {
                KillPidFile(file);
            }
        }
    }

    public static void KillPidFile(string file)
    {
        try
        {
            if (int.TryParse(File.ReadAllText(file).Trim(), out var pid) && pid > 1)
            {
                using var p = Process.GetProcessById(pid);
                Kill(p);
            }
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException)
        {
            // already gone
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // already gone
        }
    }

    private static Process Create(string file, IEnumerable<string> args, IReadOnlyDictionary<string, string>? env, string? workDir)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (workDir is not null)
        {
            info.WorkingDirectory = workDir;
        }
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }
        if (env is not null)
        {
            foreach (var (k, v) in env)
            {
                info.Environment[k] = v;
            }
        }
        return new Process { StartInfo = info };
    }
}
