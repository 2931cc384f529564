using System.Text.Json;

namespace Ferry.Engine.Apply.Handlers;

/// <summary>A handler's options as a rule stores them: a JSON object of strings (<c>{"function": "audit.apply"}</c>).</summary>
public static class HandlerOptions
{
    private static readonly IReadOnlyDictionary<string, string> None = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The options of stored JSON text; none for null or empty.</summary>
    /// <exception cref="ArgumentException">The text is not a JSON object of strings.</exception>
    public static IReadOnlyDictionary<string, string> Parse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return None;
        }
        try
        {
            return JsonSerializer.Deserialize<Dictionary<string, string>>(json) is { } options
                ? new Dictionary<string, string>(options, StringComparer.Ordinal)
                : None;
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"The handler options are not a JSON object of strings ({e.Message}).", nameof(json), e);
        }
    }

    /// <summary>The JSON text a rule stores; null for no option.</summary>
    public static string? Format(IReadOnlyDictionary<string, string>? options) =>
        options is null || options.Count == 0 ? null : JsonSerializer.Serialize(options.OrderBy(o => o.Key, StringComparer.Ordinal)
            .ToDictionary(o => o.Key, o => o.Value, StringComparer.Ordinal));

    /// <summary>An unknown option, or a required one missing or empty; null when there is none.</summary>
    public static string? Problem(HandlerKind kind, IReadOnlyDictionary<string, string> options)
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(options);
        var unknown = options.Keys.Where(k => kind.Options.All(o => o.Name != k)).Order(StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
        {
            return $"the handler {kind.Name} has no option {string.Join(", ", unknown.Select(u => "'" + u + "'"))}"
                + (kind.Options.Count == 0 ? " (it takes none)" : $": its options are {string.Join(", ", kind.Options.Select(o => o.Name))}");
        }
        var missing = kind.Options.Where(o => o.Required && string.IsNullOrWhiteSpace(options.GetValueOrDefault(o.Name)))
            .Select(o => $"'{o.Name}' ({o.Description})").ToList();
        return missing.Count > 0 ? $"the handler {kind.Name} needs the option(s) {string.Join(", ", missing)}" : null;
    }
}
