using System.Globalization;

namespace Ferry.Bench;

/// <summary>CPU seconds used by a cluster: its postmaster (with its reaped children) and its live server processes.</summary>
internal static class ClusterCpu
{
    private const double TicksPerSecond = 100; // USER_HZ on Linux

    public static double Seconds(string dataDirectory)
    {
        var pidFile = Path.Combine(dataDirectory, "postmaster.pid");
        if (!File.Exists(pidFile) || !int.TryParse(File.ReadLines(pidFile).First(), CultureInfo.InvariantCulture, out var postmaster))
        {
            return double.NaN;
        }
        double ticks = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }
            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(dir, "stat"));
            }
            catch (IOException)
            {
                continue;
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }
            // Fields after the command name "(...)": state ppid ... utime(14) stime(15) cutime(16) cstime(17).
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ppid = int.Parse(fields[1], CultureInfo.InvariantCulture);
            if (pid == postmaster)
            {
                ticks += Sum(fields, 11, 12, 13, 14);
            }
            else if (ppid == postmaster)
            {
                ticks += Sum(fields, 11, 12);
            }
        }
        return ticks / TicksPerSecond;
    }

    /// <summary>CPU seconds (user + system, all threads) one process has used so far; NaN when it is gone.</summary>
    public static double ProcessSeconds(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return Sum(fields, 11, 12) / TicksPerSecond;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return double.NaN;
        }
    }

    private static double Sum(string[] fields, params int[] at) => at.Sum(i => double.Parse(fields[i], CultureInfo.InvariantCulture));
}
