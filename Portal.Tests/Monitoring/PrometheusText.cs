using System.Globalization;

namespace Ferry.Portal.Tests.Monitoring;

/// <summary>The samples of a Prometheus text exposition, enough to find a series by name and labels.</summary>
internal sealed class PrometheusText
{
    private readonly List<(string Name, Dictionary<string, string> Labels, double Value)> _samples = [];

    public PrometheusText(string text)
    {
        Text = text;
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }
            var brace = line.IndexOf('{', StringComparison.Ordinal);
            var space = line.IndexOf(' ', brace < 0 ? 0 : line.IndexOf('}', StringComparison.Ordinal));
            var name = brace < 0 || brace > space ? line[..space] : line[..brace];
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            if (brace >= 0 && brace < space)
            {
                foreach (var pair in line[(brace + 1)..line.IndexOf('}', StringComparison.Ordinal)].Split("\","))
                {
                    var equals = pair.IndexOf('=', StringComparison.Ordinal);
                    if (equals > 0)
                    {
                        labels[pair[..equals].Trim(',')] = pair[(equals + 1)..].Trim('"');
                    }
                }
            }
            var value = line[(space + 1)..].Split(' ')[0];
            _samples.Add((name, labels, value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                "NaN" => double.NaN,
                _ => double.Parse(value, CultureInfo.InvariantCulture),
            }));
        }
    }

    public string Text { get; }

    /// <summary>The values of <paramref name="name"/> whose labels include every pair given.</summary>
    public IReadOnlyList<double> Values(string name, params (string Label, string Value)[] labels) =>
        [.. _samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Label, out var v) && v == l.Value))
            .Select(s => s.Value)];

    /// <summary>The one value of <paramref name="name"/> with those labels; fails naming what the text holds.</summary>
    public double Single(string name, params (string Label, string Value)[] labels)
    {
        var values = Values(name, labels);
        Assert.True(values.Count == 1, $"{values.Count} samples of {name} {string.Join(",", labels)}; the series of that name:\n"
            + string.Join("\n", Text.Split('\n').Where(l => l.StartsWith(name, StringComparison.Ordinal)).Take(20)));
        return values[0];
    }

    public bool Has(string name) => _samples.Any(s => s.Name == name);
}
