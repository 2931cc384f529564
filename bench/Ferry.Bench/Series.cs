using System.Globalization;

namespace Ferry.Bench;

/// <summary>
/// The values one figure took in the rounds of one invocation (one value when it was measured once). Reported as
/// min / median / max; a goal is judged on the worst round (<see cref="Worst"/>).
/// </summary>
internal sealed record Series(IReadOnlyList<double> Values)
{
    public int Count => Values.Count;
    public double Min => Values.Min();
    public double Max => Values.Max();
    public double Median => Percentile([.. Values], 0.5);

    /// <summary>The worst round: the largest value when smaller is better, else the smallest.</summary>
    public double Worst(bool smallerIsBetter) => smallerIsBetter ? Max : Min;

    public static Series? Of(double? value) => value is { } v && !double.IsNaN(v) ? new Series([v]) : null;

    public static Series? Of(IEnumerable<double> values)
    {
        var list = values.Where(v => !double.IsNaN(v)).ToList();
        return list.Count == 0 ? null : new Series(list);
    }

    /// <summary>Round by round <c>a[i] / b[i]</c> (the ratio to a baseline measured in the same round).</summary>
    public static Series? Ratio(IReadOnlyList<double> a, IReadOnlyList<double> b) =>
        Of(a.Zip(b).Select(p => p.Second > 0 ? p.First / p.Second : double.NaN));

    /// <summary>"1.2 / 1.3 / 1.9" (min / median / max), or the one value.</summary>
    public string Format(Func<double, string> format) =>
        Count == 1 ? format(Values[0]) : $"{format(Min)} / {format(Median)} / {format(Max)}";

    public string Format() => Format(Number);

    /// <summary>The values in the order of the rounds, for the JSON and the notes.</summary>
    public string InOrder(Func<double, string>? format = null) => string.Join(", ", Values.Select(format ?? Number));

    public static string Number(double v) =>
        Math.Abs(v) >= 100 ? v.ToString("N0", CultureInfo.InvariantCulture) : v.ToString("0.###", CultureInfo.InvariantCulture);

    public static double Percentile(List<double> values, double p)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }
        var sorted = values.Order().ToList();
        var rank = p * (sorted.Count - 1);
        var lo = (int)Math.Floor(rank);
        var hi = (int)Math.Ceiling(rank);
        return sorted[lo] + ((sorted[hi] - sorted[lo]) * (rank - lo));
    }
}
