using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ferry.Bench;

/// <summary>
/// One measured (or skipped) figure: its value in each round (<see cref="Series"/>), its ratio to a baseline measured in
/// the same round, and for Ferry the peak resident memory of the Ferry process during each round.
/// </summary>
internal sealed record Figure(
    string Benchmark, string Variant, string Metric, Series? Value, string Unit, Series? Ratio = null, string? RatioTo = null,
    string? Note = null, Series? PeakRssMb = null)
{
    /// <summary>A figure measured once.</summary>
    public Figure(string Benchmark, string Variant, string Metric, double? Value, string Unit, double? Ratio = null, string? RatioTo = null,
        string? Note = null)
        : this(Benchmark, Variant, Metric, Series.Of(Value), Unit, Series.Of(Ratio), RatioTo, Note)
    {
    }
}

/// <summary>
/// One row of issue 15's goal table: the figure in every round, the goal (at most or at least a threshold), judged on the
/// worst round. <see cref="Note"/> says when the figure is the closest equivalent of what the goal describes;
/// <see cref="Key"/> names its row in <see cref="GoalRows"/>.
/// </summary>
internal sealed record Goal(
    string Figure, string Target, Series? Value, string Unit, bool SmallerIsBetter, double Threshold, Series? PeakRssMb = null,
    string? Note = null)
{
    public required string Key { get; init; }

    public double? Worst => Value?.Worst(SmallerIsBetter);

    public string Status => Worst is not { } w ? "not measured"
        : (SmallerIsBetter ? w <= Threshold : w >= Threshold) ? "met" : "missed";
}

/// <summary>
/// The rows of issue 15's goal table, in its order: a row no benchmark reported (not run, or failed) still appears in the
/// report, as "not measured".
/// </summary>
internal static class GoalRows
{
    public static readonly (string Key, string Figure, string Target, string Benchmark)[] All =
    [
        ("lag10.median", "lag at 10 logins/s, median", "≤ 0.05 s", "lag"),
        ("lag10.p95", "lag at 10 logins/s, 95th percentile", "≤ 0.15 s", "lag"),
        ("busy.median", "lag at 1,000 transactions/s, median", "≤ 0.1 s", "lag"),
        ("busy.p95", "lag at 1,000 transactions/s, 95th percentile", "≤ 0.3 s", "lag"),
        ("catchup.londiste", "catch-up of 150k changes, against Londiste 3", "≥ 4x", "catchup"),
        ("catchup.native", "catch-up of 150k changes, against native replication", "≥ 1.5x", "catchup"),
        ("copy", "initial copy, 2M rows, add to ok, against the binary COPY pipe", "≤ 1.15x", "copy"),
        ("empty", "empty table, add to ok", "≤ 0.3 s", "copy"),
        ("bulk", "bulk UPDATE of 1M rows with capture, against uncaptured", "≤ 1.8x", "capture"),
        ("tps", "pgbench TPS kept with capture", "≥ 0.85", "capture"),
        ("add", "adding 1,000 tables (every add, total)", "≤ 10 s", "tables1000"),
        ("add1", "one add at 1,000 tables", "≤ 50 ms", "tables1000"),
        ("rebuild", "a runner with 1,000 tables: rebuild", "≤ 0.5 s", "tables1000"),
        ("reads", "a runner with 1,000 tables: control rows read per second at rest, against 10 tables", "≤ 2x", "tables1000"),
        ("rss.idle", "portal RSS idle", "≤ 300 MB", "copy"),
        ("rss.copy", "portal RSS during a 2M-row copy (peak)", "≤ 500 MB", "copy"),
    ];

    public static int Row(string key)
    {
        var i = Array.FindIndex(All, r => r.Key == key);
        return i < 0 ? All.Length : i;
    }
}

/// <summary>Collects the figures of one invocation and writes them as markdown and JSON.</summary>
internal sealed class Report
{
    private readonly List<Figure> _figures = [];
    private readonly List<Goal> _goals = [];
    private readonly List<string> _notes = [];
    private readonly List<string> _errors = [];

    public DateTimeOffset Started { get; } = DateTimeOffset.UtcNow;
    public string LoadAtStart { get; } = LoadAverage();
    public string? LoadAtEnd { get; set; }
    public Dictionary<string, string> Environment { get; } = [];

    /// <summary>PostgreSQL settings each benchmark ran with, and why (issue 15: fair baselines).</summary>
    public Dictionary<string, string> Settings { get; } = [];

    public IReadOnlyList<Figure> Figures => _figures;

    public void Add(Figure f)
    {
        _figures.Add(f);
        Console.WriteLine($"  [{f.Benchmark}] {f.Variant} / {f.Metric}: {Value(f)}{(f.Ratio is null ? "" : $"  ({Ratio(f)})")}" +
                          $"{(f.PeakRssMb is null ? "" : $"  [peak RSS {Mb(f.PeakRssMb)}]")}{(f.Note is null ? "" : "  - " + f.Note)}");
    }

    public void Skip(string benchmark, string variant, string why) =>
        Add(new Figure(benchmark, variant, "-", (Series?)null, "", Note: why));

    public void Goal(Goal g)
    {
        _goals.Add(g);
        Console.WriteLine($"  GOAL {g.Figure}: {(g.Value is null ? "not measured" : WithUnit(g.Value.Format(), g.Unit))} " +
                          $"(goal {g.Target}): {g.Status}{(g.Note is null ? "" : " - " + g.Note)}");
    }

    public void Note(string text)
    {
        _notes.Add(text);
        Console.WriteLine("  note: " + text);
    }

    public void Error(string benchmark, Exception e)
    {
        var text = $"{benchmark}: {e.GetType().Name}: {e.Message}";
        _errors.Add(text);
        Console.WriteLine("  ERROR " + text);
        Console.WriteLine(e.StackTrace); // on the console only, for whoever runs it
    }

    public bool HasErrors => _errors.Count > 0;

    public static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "?";
        }
    }

    public (string Markdown, string Json) Write(string directory, Options options)
    {
        Directory.CreateDirectory(directory);
        var stamp = Started.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        var md = Path.Combine(directory, stamp + ".md");
        var json = Path.Combine(directory, stamp + ".json");
        File.WriteAllText(md, Markdown(options));
        File.WriteAllText(json, JsonSerializer.Serialize(new
        {
            started = Started,
            finished = DateTimeOffset.UtcNow,
            quick = options.Quick,
            options = new
            {
                only = options.Only.Order(StringComparer.Ordinal).ToArray(), options.Rounds, options.CaptureSeconds, options.Clients,
                options.UpdateRows, options.CopyRows, options.Backlog, options.LagSeconds, options.LagRate, options.BusyRate,
                options.BusySeconds, options.Tables, options.BaselineTables,
            },
            loadAverage = new { start = LoadAtStart, end = LoadAtEnd },
            environment = Environment,
            settings = Settings,
            goals = GoalTable(options).Select(g => new { g.Figure, g.Target, g.Value, g.Unit, g.Worst, g.Status, g.PeakRssMb, g.Note }),
            figures = _figures,
            notes = _notes,
            errors = _errors,
        }, new JsonSerializerOptions { WriteIndented = true, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals }));
        return (md, json);
    }

    public string Markdown(Options options)
    {
        var s = new StringBuilder();
        s.Append(CultureInfo.InvariantCulture, $"# Ferry benchmark {Started:yyyy-MM-dd HH:mm:ss} UTC{(options.Quick ? " (quick smoke run)" : "")}\n\n");
        s.Append("> **Noise.** Figures from one run on a shared machine. Each ratio compares variants measured in the same\n");
        s.Append("> round of the same invocation; absolute numbers move with the machine's load. ");
        s.Append(CultureInfo.InvariantCulture, $"Load average (1/5/15 min) at start: {LoadAtStart}; at end: {LoadAtEnd}.\n");
        s.Append("> Figures measured in several rounds read **min / median / max**; a goal is judged on the worst round.\n\n");
        foreach (var (k, v) in Environment)
        {
            s.Append(CultureInfo.InvariantCulture, $"- {k}: {v}\n");
        }
        s.Append(CultureInfo.InvariantCulture,
            $"- scale: {options.Rounds} rounds; capture {options.CaptureSeconds} s per pgbench round, {options.Clients} clients; bulk UPDATE " +
            $"{options.UpdateRows:N0} rows; copy {options.CopyRows:N0} rows; backlog {options.Backlog:N0} transactions; lag {options.LagSeconds} s " +
            $"at {options.LagRate} logins/s and {options.BusySeconds} s at {options.BusyRate:N0} transactions/s; tables1000: " +
            $"{options.Tables:N0} tables against {options.BaselineTables}\n\n");
        if (Settings.Count > 0)
        {
            s.Append("## PostgreSQL settings per benchmark\n\n");
            foreach (var (k, v) in Settings)
            {
                s.Append(CultureInfo.InvariantCulture, $"- **{k}**: {v}\n");
            }
            s.Append('\n');
        }
        foreach (var group in _figures.GroupBy(f => f.Benchmark))
        {
            s.Append(CultureInfo.InvariantCulture,
                $"## {group.Key}\n\n| variant | metric | value | ratio | peak RSS | note |\n|---|---|---|---|---|---|\n");
            foreach (var f in group)
            {
                s.Append(CultureInfo.InvariantCulture,
                    $"| {Cell(f.Variant)} | {Cell(f.Metric)} | {Value(f)} | {Ratio(f)} | {(f.PeakRssMb is null ? "" : Mb(f.PeakRssMb))} | {Cell(f.Note)} |\n");
            }
            s.Append('\n');
        }
        if (_notes.Count > 0)
        {
            s.Append("## Notes\n\n");
            foreach (var n in _notes)
            {
                s.Append("- ").Append(n).Append('\n');
            }
            s.Append('\n');
        }
        if (_errors.Count > 0)
        {
            s.Append("## Errors\n\n");
            foreach (var e in _errors)
            {
                s.Append("- ").Append(e.Replace("\n", " ", StringComparison.Ordinal)).Append('\n');
            }
            s.Append('\n');
        }
        if (options.Only.Overlaps(Options.DefaultBenchmarks))
        {
            s.Append("## Goals (issue 15), judged on the worst round\n\n");
            s.Append("| figure | goal | rounds (min / median / max) | worst round | peak RSS of Ferry (worst round) | met? | note |\n");
            s.Append("|---|---|---|---|---|---|---|\n");
            foreach (var g in GoalTable(options))
            {
                var value = g.Value is null ? "—" : WithUnit(g.Value.Format(), g.Unit);
                var worst = g.Worst is { } w ? WithUnit(Series.Number(w), g.Unit) : "—";
                var rss = g.PeakRssMb is null ? "" : $"{Series.Number(g.PeakRssMb.Max)} MB";
                var status = g.Status switch { "met" => "**met**", "missed" => "**missed**", var x => x };
                s.Append(CultureInfo.InvariantCulture,
                    $"| {Cell(g.Figure)} | {Cell(g.Target)} | {value} | {worst} | {rss} | {status} | {Cell(g.Note)} |\n");
            }
            var table = GoalTable(options);
            s.Append(CultureInfo.InvariantCulture,
                $"\n{table.Count(g => g.Status == "met")} of {table.Count} goals met, {table.Count(g => g.Status == "missed")} missed, " +
                $"{table.Count(g => g.Status == "not measured")} not measured.\n");
        }
        return s.ToString();
    }

    /// <summary>The goals measured, in the issue's order, plus a "not measured" row for each goal row nobody reported.</summary>
    private List<Goal> GoalTable(Options options)
    {
        var rows = _goals.OrderBy(g => GoalRows.Row(g.Key)).ToList(); // stable: one row's goals keep their order
        foreach (var (key, figure, target, benchmark) in GoalRows.All.Where(r => _goals.All(g => g.Key != r.Key)))
        {
            var why = options.Only.Contains(benchmark) ? "its benchmark failed or was skipped (see Errors)" : $"not run (--only without {benchmark})";
            rows.Add(new Goal(figure, target, null, "", true, 0, Note: why) { Key = key });
        }
        return [.. rows.OrderBy(g => GoalRows.Row(g.Key))];
    }

    private static string WithUnit(string value, string unit) => unit switch
    {
        "" => value,
        "x" => value.Replace(" / ", "x / ", StringComparison.Ordinal) + "x",
        _ => $"{value} {unit}",
    };

    private static string Value(Figure f) => f.Value is null ? "—" : $"{f.Value.Format()} {f.Unit}".TrimEnd();

    private static string Ratio(Figure f) => f.Ratio is null ? "" : $"{f.Ratio.Format(r => r.ToString("0.00", CultureInfo.InvariantCulture) + "x")} {f.RatioTo}";

    private static string Mb(Series rss) => rss.Format(v => v.ToString("0", CultureInfo.InvariantCulture)) + " MB";

    private static string Cell(string? text) => (text ?? "").Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
}
