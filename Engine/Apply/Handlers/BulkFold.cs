using System.Text;
using System.Text.Json;
using Ferry.Engine.Consumers;
using Ferry.Engine.Queue;
using Ferry.Engine.Rules;

namespace Ferry.Engine.Apply.Handlers;

/// <summary>
/// One chunk of <see cref="BulkHandler"/>'s fold: per table, the last state of each key (the full row to upsert, or delete)
/// and whether a truncate came first, with the count and estimated memory of what it holds, so the handler can write the
/// chunk before it grows past its limits (<see cref="ApplyOptions"/>).
/// </summary>
internal sealed class BulkFold
{
    // A dictionary entry, two string headers and the tuple, roughly, on a 64-bit runtime.
    private const long EntryOverhead = 96;
    private readonly Dictionary<string, FoldedTable> _tables = new(StringComparer.Ordinal);

    /// <summary>Folded rows of every table (distinct keys).</summary>
    public int Rows { get; private set; }

    /// <summary>Estimated bytes the folded rows and their keys take.</summary>
    public long Bytes { get; private set; }

    /// <summary>Tables with something to write, in the order they first appeared.</summary>
    public IEnumerable<FoldedTable> Tables => _tables.Values;

    public bool IsEmpty => _tables.Count == 0;

    /// <summary>Folds one event of <paramref name="rule"/>'s table.</summary>
    public void Add(TableRule rule, ApplyEvent item)
    {
        var e = item.Event;
        if (!_tables.TryGetValue(rule.SourceTable, out var table))
        {
            table = new FoldedTable(rule, _tables.Count);
            _tables.Add(rule.SourceTable, table);
        }
        switch (e.Type)
        {
            case EventTypes.Truncate:
                table.Truncated = true;
                foreach (var (folded, row) in table.Rows)
                {
                    Bytes -= Size(folded, row.Data);
                }
                Rows -= table.Rows.Count;
                table.Rows.Clear();
                break;
            case EventTypes.Insert or EventTypes.Update or EventTypes.Delete:
                var data = e.Data ?? throw new ApplyException($"Event {e.Id} ({e.Type} on {e.Table}) carries no row data.", e, null);
                var key = KeyOf(rule, e, data);
                if (table.Rows.TryGetValue(key, out var old))
                {
                    Bytes -= Size(key, old.Data);
                }
                else
                {
                    Rows++;
                }
                table.Rows[key] = (e.Type == EventTypes.Delete || !item.InFilter, data);
                Bytes += Size(key, data);
                break;
            default:
                throw new ApplyException($"Event {e.Id} has type '{e.Type}', which the bulk handler does not apply.", e, null);
        }
    }

    /// <summary>Forgets everything (after the chunk was written); the next chunk starts empty.</summary>
    public void Clear()
    {
        _tables.Clear();
        Rows = 0;
        Bytes = 0;
    }

    private static long Size(string key, string data) => 2L * (key.Length + data.Length) + EntryOverhead;

    /// <summary>The key of the event's row: the JSON text of each key column's value.</summary>
    private static string KeyOf(TableRule rule, QueueEvent e, string data)
    {
        using var document = JsonDocument.Parse(data);
        if (rule.Key.Count == 1)
        {
            return Value(document.RootElement, rule.Key[0], e);
        }
        var key = new StringBuilder();
        foreach (var column in rule.Key)
        {
            var value = Value(document.RootElement, column, e);
            key.Append(value.Length).Append(':').Append(value);
        }
        return key.ToString();
    }

    private static string Value(JsonElement row, string column, QueueEvent e) =>
        row.TryGetProperty(column, out var value) && value.ValueKind != JsonValueKind.Null
            ? value.GetRawText()
            : throw new ApplyException($"Event {e.Id} ({e.Type} on {e.Table}) has no value for key column \"{column}\".", e, null);

    /// <summary>One table's part of the chunk; <see cref="Index"/> tells its rows apart in the staging table.</summary>
    internal sealed class FoldedTable(TableRule rule, int index)
    {
        public TableRule Rule { get; } = rule;

        public int Index { get; } = index;

        public bool Truncated { get; set; }

        /// <summary>Last state per key: delete, or the full row to upsert.</summary>
        public Dictionary<string, (bool Delete, string Data)> Rows { get; } = new(StringComparer.Ordinal);

        public int Deletes => Rows.Values.Count(r => r.Delete);

        public int Upserts => Rows.Count - Deletes;
    }
}
