using System.Text;
using System.Text.Json;

namespace Ferry.Engine.Errors.Internal;

/// <summary>The key and the row of a failing event's row (a text row or a legacy JSON object, see <c>Queue/EventRow</c>).</summary>
internal static class FailedRow
{
    /// <summary>The key columns' values and the whole row, each as a JSON object of column to value text; nulls when unreadable.</summary>
    public static (string? Key, string? Row) Of(string? data, IReadOnlyList<string> key)
    {
        if (data is null)
        {
            return (null, null);
        }
        try
        {
            using var document = JsonDocument.Parse(data);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (null, null);
            }
            var values = document.RootElement.EnumerateObject()
                .Where(p => p.Name.Length > 0)
                .ToDictionary(p => p.Name, p => Text(p.Value), StringComparer.Ordinal);
            var keyValues = key.Count == 0 || !key.All(values.ContainsKey) ? null : key.ToDictionary(k => k, k => values[k]);
            return (keyValues is null ? null : Write(keyValues), Write(values));
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    private static string? Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.String => value.GetString(),
        _ => value.GetRawText(),
    };

    private static string Write(IEnumerable<KeyValuePair<string, string?>> values)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in values)
            {
                writer.WriteString(name, value);
            }
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
