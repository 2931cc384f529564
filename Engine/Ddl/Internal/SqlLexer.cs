using System.Text;
using System.Text.RegularExpressions;

namespace Ferry.Engine.Ddl.Internal;

/// <summary>
/// Just enough of PostgreSQL's lexical rules to split a script into statements and read their first words: quoted strings
/// (with E'' escapes), quoted identifiers, dollar quotes, line and nested block comments.
/// </summary>
internal static partial class SqlLexer
{
    /// <summary>The statements of a SQL text: split at semicolons outside quotes, dollar quotes and comments; empty ones dropped.</summary>
    public static IReadOnlyList<string> Split(string text)
    {
        var statements = new List<string>();
        var current = new StringBuilder();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            var end = c switch
            {
                '\'' => Skip(text, i, '\''),
                '"' => Skip(text, i, '"'),
                '-' when At(text, i, "--") => LineEnd(text, i),
                '/' when At(text, i, "/*") => BlockEnd(text, i),
                '$' when DollarTag(text, i) is { } tag => DollarEnd(text, i, tag),
                _ => i + 1,
            };
            if (c == ';')
            {
                Add(statements, current);
                current.Clear();
            }
            else
            {
                current.Append(text, i, end - i);
            }
            i = end;
        }
        Add(statements, current);
        return statements;
    }

    private static void Add(List<string> statements, StringBuilder current)
    {
        var statement = current.ToString().Trim();
        if (Words(statement).Count > 0)
        {
            statements.Add(statement);
        }
    }

    /// <summary>The statement's first words in upper case, comments left out (enough to tell its kind).</summary>
    public static List<string> Words(string statement)
    {
        var words = new List<string>();
        var i = 0;
        while (i < statement.Length && words.Count < 6)
        {
            if (char.IsWhiteSpace(statement[i]))
            {
                i++;
            }
            else if (At(statement, i, "--"))
            {
                i = LineEnd(statement, i);
            }
            else if (At(statement, i, "/*"))
            {
                i = BlockEnd(statement, i);
            }
            else
            {
                var start = i;
                while (i < statement.Length && (char.IsLetterOrDigit(statement[i]) || statement[i] == '_'))
                {
                    i++;
                }
                if (i == start)
                {
                    words.Add(statement[i].ToString());
                    i++;
                }
                else
                {
                    words.Add(statement[start..i].ToUpperInvariant());
                }
            }
        }
        return words;
    }

    private static bool At(string text, int i, string what) => string.CompareOrdinal(text, i, what, 0, what.Length) == 0;

    /// <summary>Past a quoted string or identifier starting at <paramref name="i"/> (a doubled quote stays inside).</summary>
    private static int Skip(string text, int i, char quote)
    {
        // E'...' strings take backslash escapes.
        var escapes = quote == '\'' && i > 0 && (text[i - 1] is 'E' or 'e') && (i < 2 || !char.IsLetterOrDigit(text[i - 2]));
        var j = i + 1;
        while (j < text.Length)
        {
            if (escapes && text[j] == '\\')
            {
                j += 2;
                continue;
            }
            if (text[j] == quote)
            {
                if (j + 1 < text.Length && text[j + 1] == quote)
                {
                    j += 2;
                    continue;
                }
                return j + 1;
            }
            j++;
        }
        return text.Length;
    }

    private static int LineEnd(string text, int i)
    {
        var end = text.IndexOf('\n', i);
        return end < 0 ? text.Length : end + 1;
    }

    private static int BlockEnd(string text, int i)
    {
        var depth = 0;
        var j = i;
        while (j < text.Length)
        {
            if (At(text, j, "/*"))
            {
                depth++;
                j += 2;
            }
            else if (At(text, j, "*/"))
            {
                depth--;
                j += 2;
                if (depth == 0)
                {
                    return j;
                }
            }
            else
            {
                j++;
            }
        }
        return text.Length;
    }

    private static string? DollarTag(string text, int i)
    {
        if (i > 0 && (char.IsLetterOrDigit(text[i - 1]) || text[i - 1] == '_'))
        {
            return null;
        }
        var match = Dollar().Match(text, i);
        return match.Success && match.Index == i ? match.Value : null;
    }

    private static int DollarEnd(string text, int i, string tag)
    {
        var end = text.IndexOf(tag, i + tag.Length, StringComparison.Ordinal);
        return end < 0 ? text.Length : end + tag.Length;
    }

    [GeneratedRegex(@"\$([A-Za-z_][A-Za-z0-9_]*)?\$")]
    private static partial Regex Dollar();
}
