using System.Text;

namespace Ferry.Engine.Rules.Internal;

/// <summary>
/// One node of a PostgreSQL node tree in its text form (<c>nodeToString</c>: <c>{OPEXPR :opno 96 :args (…)}</c>), as the
/// server prints a parse tree (<c>debug_print_parse</c>) and stores expressions (<c>pg_node_tree</c>: check constraints,
/// default arguments).
/// </summary>
/// <remarks>
/// Each field keeps its values as read: atoms (<see cref="string"/>), nodes (<see cref="ParseTreeNode"/>) and lists
/// (<see cref="ParseTreeList"/>). The text form changes between majors (PostgreSQL 16 renamed <c>CASE</c> to
/// <c>CASEEXPR</c> and others); <see cref="Name"/> is given in the newer spelling.
/// </remarks>
internal sealed class ParseTreeNode(string name, IReadOnlyDictionary<string, IReadOnlyList<object>> fields)
{
    private static readonly Dictionary<string, string> s_oldNames = new(StringComparer.Ordinal)
    {
        ["CASE"] = "CASEEXPR", ["WHEN"] = "CASEWHEN", ["ARRAY"] = "ARRAYEXPR", ["ROW"] = "ROWEXPR",
        ["ROWCOMPARE"] = "ROWCOMPAREEXPR", ["COALESCE"] = "COALESCEEXPR", ["MINMAX"] = "MINMAXEXPR", ["COLLATE"] = "COLLATEEXPR",
        ["RTE"] = "RANGETBLENTRY",
    };

    public string Name { get; } = s_oldNames.GetValueOrDefault(name, name);

    public IReadOnlyDictionary<string, IReadOnlyList<object>> Fields { get; } = fields;

    /// <summary>The field's single value, or null when the node has no such field.</summary>
    public object? this[string field] => Fields.TryGetValue(field, out var values) && values.Count > 0 ? values[0] : null;

    /// <summary>The field's value as an OID (or other unsigned number); null when absent or not a number.</summary>
    public uint? Oid(string field) => this[field] is string s && uint.TryParse(s, out var oid) ? oid : null;

    /// <summary>The field's value as a number; null when absent or not a number.</summary>
    public int? Int(string field) => this[field] is string s && int.TryParse(s, out var n) ? n : null;

    /// <summary>Reads one value (a node, a list or an atom) of <paramref name="text"/> starting at <paramref name="start"/>.</summary>
    /// <exception cref="FormatException">The text is not a node tree.</exception>
    public static object Read(string text, int start = 0)
    {
        var tokens = new Tokens(text, start);
        return ReadValue(tokens) ?? throw new FormatException("The node tree is empty.");
    }

    private static object? ReadValue(Tokens tokens)
    {
        var token = tokens.Next() ?? throw new FormatException("The node tree ends early.");
        switch (token)
        {
            case "{":
                var name = tokens.Next() ?? throw new FormatException("A node has no name.");
                var fields = new Dictionary<string, IReadOnlyList<object>>(StringComparer.Ordinal);
                while (tokens.Peek() is { } next && next != "}")
                {
                    if (!next.StartsWith(':'))
                    {
                        throw new FormatException($"Expected a field of {name}, found '{next}'.");
                    }
                    tokens.Next();
                    var values = new List<object>();
                    while (tokens.Peek() is { } value && value != "}" && !(value.StartsWith(':') && value.Length > 1))
                    {
                        values.Add(ReadValue(tokens)!);
                    }
                    fields[next[1..]] = values;
                }
                if (tokens.Next() != "}")
                {
                    throw new FormatException($"The node {name} is not closed.");
                }
                return new ParseTreeNode(name, fields);
            case "(":
                var items = new List<object>();
                while (tokens.Peek() is { } item && item != ")")
                {
                    items.Add(ReadValue(tokens)!);
                }
                if (tokens.Next() != ")")
                {
                    throw new FormatException("A list is not closed.");
                }
                return new ParseTreeList(items);
            case "}" or ")":
                throw new FormatException($"Unexpected '{token}'.");
            default:
                return token;
        }
    }

    /// <summary>
    /// Splits the text into <c>{ } ( )</c> and atoms. A backslash makes the next character part of the atom (that is how
    /// <c>outToken</c> escapes braces, parentheses and spaces in names); the server's line breaks only replace spaces.
    /// </summary>
    private sealed class Tokens(string text, int position)
    {
        private string? _peeked;

        public string? Peek() => _peeked ??= Read();

        public string? Next()
        {
            var token = Peek();
            _peeked = null;
            return token;
        }

        private string? Read()
        {
            while (position < text.Length && char.IsWhiteSpace(text[position]))
            {
                position++;
            }
            if (position >= text.Length)
            {
                return null;
            }
            if (text[position] is '{' or '}' or '(' or ')')
            {
                return text[position++].ToString();
            }
            var atom = new StringBuilder();
            while (position < text.Length && !char.IsWhiteSpace(text[position]) && text[position] is not ('{' or '}' or '(' or ')'))
            {
                if (text[position] == '\\' && position + 1 < text.Length)
                {
                    position++;
                }
                atom.Append(text[position++]);
            }
            return atom.ToString();
        }
    }
}

/// <summary>A list of a node tree: nodes, or atoms (an OID list starts with the atom <c>o</c>, an integer list with <c>i</c>).</summary>
internal sealed record ParseTreeList(IReadOnlyList<object> Items);
