using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Ferry.Engine.Rules;

namespace Ferry.Engine.Queue;

/// <summary>
/// The row an event carries, in the two encodings the queue has used (docs/decisions/ADR-014-exact-row-encoding.md), and the
/// one form the apply side reads: the <em>text row</em>.
/// </summary>
/// <remarks>
/// <para>
/// Queue schema v5 writes the column names in <see cref="QueueEvent.Data"/> (a JSON array, or a JSON object whose keys are
/// the names) and the row in record text form in <see cref="QueueEvent.Extra"/>: <c>(1,"a b",,"{1,NULL}")</c>, each field its
/// type's output text. Older versions wrote <c>row_to_json</c> of the row in <see cref="QueueEvent.Data"/> and nothing in
/// <see cref="QueueEvent.Extra"/>.
/// </para>
/// <para>
/// The text row is a JSON object whose first member is the marker <c>"": 1</c> (no column can have an empty name), then one
/// member per column: its output text as a JSON string, or JSON null for SQL NULL. <c>json_populate_record</c> reads it back
/// exactly through each type's input function, except into <c>json</c> and <c>jsonb</c> columns, which take the string's
/// content instead (see <c>TargetTableSql.Populate</c>). A legacy <c>row_to_json</c> object is left as it is.
/// </para>
/// </remarks>
public static class EventRow
{
    /// <summary>How a text row starts.</summary>
    public const string Marker = "{\"\":1";

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Whether <paramref name="data"/> is a text row (not a legacy <c>row_to_json</c> object).</summary>
    public static bool IsTextRow(string? data) => data is not null && data.StartsWith(Marker, StringComparison.Ordinal);

    /// <summary>
    /// The event with its row as a text row (<see cref="QueueEvent.Extra"/> then null); events without a v5 row are returned as
    /// they are. <paramref name="names"/> caches the last names seen (statements write the same names text for each row).
    /// </summary>
    /// <exception cref="FormatException">The record text does not have one field per name.</exception>
    public static QueueEvent ToTextRow(QueueEvent e, ref NamesCache names)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (e.Extra is null || e.Data is null || e.Type is not (EventTypes.Insert or EventTypes.Update or EventTypes.Delete))
        {
            return e;
        }
        var columns = names.Get(e.Data);
        var fields = ParseRecord(e.Extra);
        if (fields.Count != columns.Count)
        {
            throw new FormatException(
                $"Event {e.Id} ({e.Type} on {e.Table}) names {columns.Count} columns but its row has {fields.Count} fields.");
        }
        return e with { Data = Write(columns, fields), Extra = null, Columns = columns };
    }

    /// <summary>The column names of a row as <see cref="QueueEvent.Data"/> holds it: a text row, a legacy object, or v5 names.</summary>
    public static IReadOnlyList<string> Names(string data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var names = new List<string>();
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(data));
        reader.Read();
        if (reader.TokenType == JsonTokenType.StartArray)
        {
            while (reader.Read() && reader.TokenType == JsonTokenType.String)
            {
                names.Add(reader.GetString()!);
            }
            return names;
        }
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            if (name.Length > 0)
            {
                names.Add(name);
            }
            reader.Skip();
        }
        return names;
    }

    /// <summary>
    /// The fields of a record in PostgreSQL's record text form (what <c>record_out</c> writes and <c>record_in</c> reads):
    /// null for an empty unquoted field (SQL NULL), else the field's text with quotes and backslash escapes removed.
    /// </summary>
    /// <exception cref="FormatException">The text is not a record.</exception>
    public static IReadOnlyList<string?> ParseRecord(string record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.Length < 2 || record[0] != '(' || record[^1] != ')')
        {
            throw new FormatException("A record text starts with ( and ends with ).");
        }
        var fields = new List<string?>();
        var text = new StringBuilder();
        var i = 1;
        while (true)
        {
            if (record[i] is ',' or ')')
            {
                fields.Add(null);
            }
            else
            {
                text.Clear();
                var quoted = false;
                while (quoted || record[i] is not (',' or ')'))
                {
                    var c = record[i];
                    if (c == '\\')
                    {
                        text.Append(record[i + 1]);
                        i += 2;
                    }
                    else if (c == '"')
                    {
                        if (quoted && i + 1 < record.Length && record[i + 1] == '"')
                        {
                            text.Append('"');
                            i += 2;
                        }
                        else
                        {
                            quoted = !quoted;
                            i++;
                        }
                    }
                    else
                    {
                        text.Append(c);
                        i++;
                    }
                    if (i >= record.Length)
                    {
                        throw new FormatException("A record text ends inside a field.");
                    }
                }
                fields.Add(text.ToString());
            }
            if (record[i] == ')')
            {
                if (i != record.Length - 1)
                {
                    throw new FormatException("A record text has characters after its closing parenthesis.");
                }
                return fields;
            }
            i++;
        }
    }

    /// <summary>A text row of the given names and values (null: SQL NULL).</summary>
    public static string Write(IReadOnlyList<string> names, IReadOnlyList<string?> values)
    {
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(values);
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteNumber("", 1);
            for (var i = 0; i < names.Count; i++)
            {
                if (values[i] is { } value)
                {
                    writer.WriteString(names[i], value);
                }
                else
                {
                    writer.WriteNull(names[i]);
                }
            }
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>
    /// The text row with more members (columns it lacked) before its closing brace. Values are output texts, null for SQL NULL.
    /// </summary>
    public static string Append(string textRow, IEnumerable<KeyValuePair<string, string?>> members)
    {
        ArgumentNullException.ThrowIfNull(textRow);
        ArgumentNullException.ThrowIfNull(members);
        var buffer = new ArrayBufferWriter<byte>(64);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in members)
            {
                if (value is null)
                {
                    writer.WriteNull(name);
                }
                else
                {
                    writer.WriteString(name, value);
                }
            }
            writer.WriteEndObject();
        }
        var extra = Encoding.UTF8.GetString(buffer.WrittenSpan);
        return extra.Length <= 2 ? textRow : string.Concat(textRow.AsSpan(0, textRow.Length - 1), ",", extra.AsSpan(1));
    }

    /// <summary>The names of the last <see cref="QueueEvent.Data"/> text seen, so that a statement's rows parse them once.</summary>
    public struct NamesCache
    {
        private string? _data;
        private IReadOnlyList<string>? _names;

        public IReadOnlyList<string> Get(string data)
        {
            if (_names is null || !string.Equals(_data, data, StringComparison.Ordinal))
            {
                _names = Names(data);
                _data = data;
            }
            return _names;
        }
    }
}
