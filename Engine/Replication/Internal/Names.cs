using Ferry.Engine.Rules;

namespace Ferry.Engine.Replication.Internal;

/// <summary>Parses the <c>schema.table</c> names users type.</summary>
internal static class Names
{
    /// <summary><c>schema.table</c>, either part optionally in double quotes (then case and dots are kept).</summary>
    public static TableName Parse(string? text, string what)
    {
        var value = text?.Trim() ?? "";
        var parts = Split(value);
        if (parts is not [{ Length: > 0 } schema, { Length: > 0 } name])
        {
            throw new ReplicationRefusedException(
                $"'{value}' is not a {what} name: write it as schema.name (for example digoal_01.user_info).");
        }
        return new TableName(schema, name);
    }

    private static List<string>? Split(string value)
    {
        var parts = new List<string>();
        var i = 0;
        while (i <= value.Length)
        {
            if (i < value.Length && value[i] == '"')
            {
                var end = i + 1;
                var part = new System.Text.StringBuilder();
                while (true)
                {
                    if (end >= value.Length)
                    {
                        return null;
                    }
                    if (value[end] == '"')
                    {
                        if (end + 1 < value.Length && value[end + 1] == '"')
                        {
                            part.Append('"');
                            end += 2;
                            continue;
                        }
                        break;
                    }
                    part.Append(value[end++]);
                }
                parts.Add(part.ToString());
                i = end + 1;
            }
            else
            {
                var dot = value.IndexOf('.', i);
                var end = dot < 0 ? value.Length : dot;
                parts.Add(value[i..end].Trim());
                i = end;
            }
            if (i >= value.Length)
            {
                break;
            }
            if (value[i] != '.')
            {
                return null;
            }
            i++;
        }
        return parts;
    }
}
