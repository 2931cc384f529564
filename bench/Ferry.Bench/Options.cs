using System.Globalization;

namespace Ferry.Bench;

/// <summary>Command line of the benchmark program (bench/run passes its arguments through).</summary>
internal sealed record Options
{
    public static readonly string[] AllBenchmarks = ["capture", "copy", "catchup", "lag", "tables1000", "fanout"];

    /// <summary>What a run without --only measures: every goal row of issue 15 (fanout is asked for by name).</summary>
    public static readonly string[] DefaultBenchmarks = ["capture", "copy", "catchup", "lag", "tables1000"];

    /// <summary>The benchmarks that need the seed scenario's source and Londiste 3.</summary>
    public static readonly string[] SeedBenchmarks = ["capture", "copy", "catchup", "lag", "fanout"];

    /// <summary>The benchmarks that need the replication setup (target databases, Londiste leaf, native, the portal).</summary>
    public static readonly string[] ReplicationBenchmarks = ["copy", "catchup", "lag", "fanout"];

    public bool Quick { get; init; }
    public HashSet<string> Only { get; init; } = [.. DefaultBenchmarks];
    /// <summary>Seconds of each pgbench round of the capture benchmark.</summary>
    public int CaptureSeconds { get; init; } = 20;
    /// <summary>
    /// Rounds of every headline figure (issue 15: min / median / max, a goal holds when the worst round meets it); in the
    /// capture benchmark each round runs every variant once, in alternating order.
    /// </summary>
    public int Rounds { get; init; } = 3;
    public int Clients { get; init; } = 8;
    public int UpdateRows { get; init; } = 1_000_000;
    public int CopyRows { get; init; } = 2_000_000;
    public int Backlog { get; init; } = 150_000;
    public int LagSeconds { get; init; } = 45;
    public int LagRate { get; init; } = 10;
    /// <summary>Transactions a second of the busy lag benchmark (the seed workload through pgbench plus the lag probe).</summary>
    public int BusyRate { get; init; } = 1000;
    public int BusySeconds { get; init; } = 30;
    /// <summary>
    /// Run every round of the 1,000-table add even when the first round misses its goal by more than 5x (by default the
    /// later rounds are left out then: the worst round already misses, and each round takes minutes today).
    /// </summary>
    public bool AllRounds { get; init; }
    /// <summary>Tables of the big subscription of the tables1000 benchmark.</summary>
    public int Tables { get; init; } = 1000;
    /// <summary>Tables of its baseline subscription.</summary>
    public int BaselineTables { get; init; } = 10;
    /// <summary>Run Londiste 3 with its default ticker and loop settings instead of the tightened ones.</summary>
    public bool LondisteDefaults { get; init; }
    public string ResultsDirectory { get; init; } = "bench/results";
    public string WorkDirectory { get; init; } = "";
    /// <summary>The repository's root (bench/run passes it): the portal's build output is found there.</summary>
    public string RepositoryRoot { get; init; } = Directory.GetCurrentDirectory();

    public int SourceUsers => Math.Max(UpdateRows, Only.Overlaps(ReplicationBenchmarks) ? CopyRows : 0);

    /// <summary>Numbers of active subscriptions on one set that the fan-out benchmark measures lag and CPU for.</summary>
    public int[] FanOut => Quick ? [1, 2] : [1, 2, 4, 8];

    public int FanSeconds => Quick ? 4 : 20;

    public bool NeedsSeed => Only.Overlaps(SeedBenchmarks);

    public static Options Parse(string[] args)
    {
        var quick = args.Contains("--quick");
        var o = quick
            ? new Options
            {
                Quick = true, CaptureSeconds = 3, Rounds = 2, UpdateRows = 50_000, CopyRows = 50_000, Backlog = 5_000, LagSeconds = 4,
                BusySeconds = 4, BusyRate = 300, Tables = 30, BaselineTables = 10,
            }
            : new Options();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new BenchException($"{args[i]} needs a value.");
            int NextInt() => int.Parse(Next(), CultureInfo.InvariantCulture);
            o = args[i] switch
            {
                "--quick" => o,
                "--only" => o with { Only = ParseOnly(Next()) },
                "--seconds" => o with { CaptureSeconds = NextInt() },
                "--rounds" => o with { Rounds = NextInt() },
                "--clients" => o with { Clients = NextInt() },
                "--update-rows" => o with { UpdateRows = NextInt() },
                "--copy-rows" => o with { CopyRows = NextInt() },
                "--backlog" => o with { Backlog = NextInt() },
                "--lag-seconds" => o with { LagSeconds = NextInt() },
                "--busy-rate" => o with { BusyRate = NextInt() },
                "--busy-seconds" => o with { BusySeconds = NextInt() },
                "--all-rounds" => o with { AllRounds = true },
                "--repo" => o with { RepositoryRoot = Next() },
                "--tables" => o with { Tables = NextInt() },
                "--baseline-tables" => o with { BaselineTables = NextInt() },
                "--londiste-defaults" => o with { LondisteDefaults = true },
                "--results" => o with { ResultsDirectory = Next() },
                "--work" => o with { WorkDirectory = Next() },
                "--help" or "-h" => throw new BenchException(Usage),
                var other => throw new BenchException($"Unknown option {other}.\n{Usage}"),
            };
        }
        if (o.Rounds < 1)
        {
            throw new BenchException("--rounds needs at least 1.");
        }
        if (o.WorkDirectory.Length == 0)
        {
            o = o with { WorkDirectory = Path.Combine(Path.GetTempPath(), $"ferry-bench-{Environment.ProcessId}") };
        }
        return o;
    }

    private static HashSet<string> ParseOnly(string value)
    {
        var set = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet();
        foreach (var s in set.Where(s => !AllBenchmarks.Contains(s)))
        {
            throw new BenchException($"Unknown benchmark '{s}' in --only; known: {string.Join(", ", AllBenchmarks)}.");
        }
        return set;
    }

    public const string Usage = """
        Usage: bench/run [--quick] [--only capture,copy,catchup,lag,tables1000,fanout] [options]
          --quick            smoke run (a few minutes): tiny tables, short rounds; figures mean nothing, the harness is checked
          --only LIST        run a subset: capture, copy, catchup, lag, tables1000 (the default: all five), and fanout (lag and CPU
                             with 1, 2, 4, 8 subscriptions on one set; only when named; docs/benchmarks/2026-12-03-two-cores.md)
          --rounds N         rounds of every headline figure, reported as min / median / max (full 3, quick 2)
          --seconds N        seconds of each pgbench round in the capture benchmark (full 20, quick 3)
          --clients N        pgbench clients (8)
          --update-rows N    rows of the bulk UPDATE (full 1000000, quick 50000)
          --copy-rows N      rows of user_info for the initial copy (full 2000000, quick 50000)
          --backlog N        catch-up backlog in seed-workload transactions (full 150000, quick 5000)
          --lag-seconds N    seconds of each lag round at 10 logins/s (full 45, quick 4)
          --busy-rate N      transactions/s of the busy lag benchmark (full 1000, quick 300); --busy-seconds N its rounds (30, quick 4)
          --tables N         tables of the big subscription in tables1000 (full 1000, quick 30); --baseline-tables N its baseline (10)
          --all-rounds       run every round of the 1,000-table add even when round 1 misses its goal by more than 5x
          --londiste-defaults  run Londiste 3 with its default ticker settings (idle ticks once a minute)
          --results DIR      where the .md and .json go (bench/results)
        """;
}
