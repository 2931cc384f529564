using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Ferry.Bench;

/// <summary>One measured (or skipped) figure.</summary>
internal sealed record Figure(
    string Benchmark, string Variant, string Metric, double? Value, string Unit, double? Ratio = null, string? RatioTo = null,
    string? Note = null);

/// <summary>Collects the figures of one invocation and writes them as markdown and JSON.</summary>
internal sealed class Report
{
    private readonly List<Figure> _figures = [];
    private readonly List<string> _notes = [];
    private readonly List<string> _errors = [];

    public DateTimeOffset Started { get; } = DateTimeOffset.UtcNow;
    public string LoadAtStart { get; } = LoadAverage();
    public string? LoadAtEnd { get; set; }
    public Dictionary<string, string> Environment { get; } = [];
    public IReadOnlyList<Figure> Figures => _figures;

    public void Add(Figure f)
    {
        _figures.Add(f);
        var value = f.Value is { } v ? $"{Format(v)} {f.Unit}" : "skipped";
        var ratio = f.Ratio is { } r ? $"  ({r:0.00}x {f.RatioTo})" : "";
        Console.WriteLine($"  [{f.Benchmark}] {f.Variant} / {f.Metric}: {value}{ratio}{(f.Note is null ? "" : "  - " + f.Note)}");
    }

    public void Skip(string benchmark, string variant, string why) =>
        Add(new Figure(benchmark, variant, "-", null, "", Note: why));

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
                only = options.Only.Order(StringComparer.Ordinal).ToArray(), options.CaptureSeconds, options.Rounds, options.Clients,
                options.UpdateRows, options.CopyRows, options.Backlog, options.LagSeconds, options.LagRate,
                options.Tables, options.BaselineTables,
            },
            loadAverage = new { start = LoadAtStart, end = LoadAtEnd },
            environment = Environment,
            figures = _figures,
            notes = _notes,
            errors = _errors,
        }, new JsonSerializerOptions { WriteIndented = true }));
        return (md, json);
    }

    public string Markdown(Options options)
    {
        var s = new StringBuilder();
        s.Append(CultureInfo.InvariantCulture, $"# Ferry benchmark {Started:yyyy-MM-dd HH:mm:ss} UTC{(options.Quick ? " (quick smoke run)" : "")}\n\n");
        s.Append("> **Noise.** Figures from one run on a shared machine. Each ratio compares variants measured in the same\n");
        s.Append("> invocation; absolute numbers move with the machine's load. ");
        s.Append(CultureInfo.InvariantCulture, $"Load average (1/5/15 min) at start: {LoadAtStart}; at end: {LoadAtEnd}.\n\n");
        foreach (var (k, v) in Environment)
        {
            s.Append(CultureInfo.InvariantCulture, $"- {k}: {v}\n");
        }
        s.Append(CultureInfo.InvariantCulture,
            $"- scale: capture {options.Rounds} round(s) x {options.CaptureSeconds} s, {options.Clients} clients; bulk UPDATE {options.UpdateRows:N0} rows; " +
            $"copy {options.CopyRows:N0} rows; backlog {options.Backlog:N0} transactions; lag {options.LagSeconds} s at {options.LagRate} logins/s; " +
            $"tables1000: {options.Tables:N0} tables against {options.BaselineTables}\n\n");
        foreach (var group in _figures.GroupBy(f => f.Benchmark))
        {
            s.Append(CultureInfo.InvariantCulture, $"## {group.Key}\n\n| variant | metric | value | ratio | note |\n|---|---|---|---|---|\n");
            foreach (var f in group)
            {
                var value = f.Value is { } v ? $"{Format(v)} {f.Unit}" : "—";
                var ratio = f.Ratio is { } r ? $"{r:0.00}x {f.RatioTo}" : "";
                s.Append(CultureInfo.InvariantCulture, $"| {Cell(f.Variant)} | {Cell(f.Metric)} | {value} | {ratio} | {Cell(f.Note)} |\n");
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
        }
        return s.ToString();
    }

    private static string Cell(string? text) => (text ?? "").Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);

    private static string Format(double v) =>
        Math.Abs(v) >= 100 ? v.ToString("N0", CultureInfo.InvariantCulture) : v.ToString("0.###", CultureInfo.InvariantCulture);
}
