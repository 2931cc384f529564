namespace Ferry.Bench;

/// <summary>CPU seconds that the source cluster, the target cluster and one process (optional) use between Start and Stop.</summary>
internal sealed class CpuMeter
{
    private readonly BenchEnv _env;
    private readonly int? _pid;
    private readonly double _source;
    private readonly double _target;
    private readonly double _process;

    private CpuMeter(BenchEnv env, int? pid)
    {
        _env = env;
        _pid = pid;
        _source = ClusterCpu.Seconds(env.Source.DataDirectory);
        _target = ClusterCpu.Seconds(env.Target.DataDirectory);
        _process = pid is { } p ? ClusterCpu.ProcessSeconds(p) : 0;
    }

    public static CpuMeter Start(BenchEnv env, int? pid) => new(env, pid);

    public Used Stop() => new(
        ClusterCpu.Seconds(_env.Source.DataDirectory) - _source,
        ClusterCpu.Seconds(_env.Target.DataDirectory) - _target,
        _pid is { } p ? ClusterCpu.ProcessSeconds(p) - _process : 0);

    public sealed record Used(double Source, double Target, double Process)
    {
        public double Total => Source + Target + Process;
    }
}
