using System.Globalization;

namespace Ferry.Bench;

/// <summary>Command line of the benchmark program (bench/run passes its arguments through).</summary>
internal sealed record Options
{
    public static readonly string[] AllBenchmarks = ["capture", "copy", "catchup", "lag", "tables1000"];

    /// <summary>The benchmarks that need the seed scenario's source and Londiste 3.</summary>
    public static readonly string[] SeedBenchmarks = ["capture", "copy", "catchup", "lag"];

    public bool Quick { get; init; }
    public HashSet<string> Only { get; init; } = [.. AllBenchmarks];
    /// <summary>Seconds of each pgbench round of the capture benchmark.</summary>
    public int CaptureSeconds { get; init; } = 30;
    /// <summary>Rounds of the capture benchmark; each round runs every variant once, in alternating order.</summary>
    public int Rounds { get; init; } = 2;
    public int Clients { get; init; } = 8;
    public int UpdateRows { get; init; } = 1_000_000;
    public int CopyRows { get; init; } = 2_000_000;
    public int Backlog { get; init; } = 150_000;
    public int LagSeconds { get; init; } = 60;
    public int LagRate { get; init; } = 10;
    /// <summary>Tables of the big subscription of the tables1000 benchmark.</summary>
    public int Tables { get; init; } = 1000;
    /// <summary>Tables of its baseline subscription.</summary>
    public int BaselineTables { get; init; } = 10;
    /// <summary>Run Londiste 3 with its default ticker and loop settings instead of the tightened ones.</summary>
    public bool LondisteDefaults { get; init; }
    public string ResultsDirectory { get; init; } = "bench/results";
    public string WorkDirectory { get; init; } = "";

    public int SourceUsers => Math.Max(UpdateRows, Only.Overlaps(["copy", "catchup", "lag"]) ? CopyRows : 0);

    public bool NeedsSeed => Only.Overlaps(SeedBenchmarks);

    public static Options Parse(string[] args)
    {
        var quick = args.Contains("--quick");
        var o = quick
            ? new Options { Quick = true, CaptureSeconds = 4, Rounds = 2, UpdateRows = 100_000, CopyRows = 100_000, Backlog = 10_000, LagSeconds = 10 }
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
                "--tables" => o with { Tables = NextInt() },
                "--baseline-tables" => o with { BaselineTables = NextInt() },
                "--londiste-defaults" => o with { LondisteDefaults = true },
                "--results" => o with { ResultsDirectory = Next() },
                "--work" => o with { WorkDirectory = Next() },
                "--help" or "-h" => throw new BenchException(Usage),
                var other => throw new BenchException($"Unknown option {other}.\n{Usage}"),
            };
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
        Usage: bench/run [--quick] [--only capture,copy,catchup,lag,tables1000] [options]
          --quick            smoke run (about 2 minutes): short rounds, small tables, small backlog
          --only LIST        run a subset: capture, copy, catchup, lag, tables1000 (catchup and lag need the copy setup; it is done anyway)
          --seconds N        seconds of each pgbench round in the capture benchmark (full 30, quick 4)
          --rounds N         capture rounds, each runs every variant once in alternating order (full 2, quick 2)
          --clients N        pgbench clients (8)
          --update-rows N    rows of the bulk UPDATE (full 1000000, quick 100000)
          --copy-rows N      rows of user_info for the initial copy (full 2000000, quick 100000)
          --backlog N        catch-up backlog in seed-workload transactions (full 150000, quick 10000)
          --lag-seconds N    duration of the lag measurement at 10 logins/s (full 60, quick 10)
          --tables N         tables of the big subscription in tables1000 (1000); --baseline-tables N its baseline (10)
          --londiste-defaults  run Londiste 3 with its default ticker settings (idle ticks once a minute)
          --results DIR      where the .md and .json go (bench/results)
        """;
}
