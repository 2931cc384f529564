using System.Text;
using System.Text.RegularExpressions;
using Ferry.Engine.Rules;

namespace Ferry.Engine.Ddl;

/// <summary>
/// An operator's DDL script (docs/decisions/ADR-020-ddl-and-sequences-in-the-stream.md): its statements, split where
/// PostgreSQL would split them (semicolons outside quotes, dollar quotes and comments), the statements Ferry cannot carry,
/// and its placeholders: <c>{{table:schema.name}}</c> and <c>{{sequence:schema.name}}</c> stand for the source's object on
/// the root and for the rule's target object on each subscriber.
/// </summary>
public sealed partial class DdlScript
{
    private DdlScript(string text, IReadOnlyList<Placeholder> placeholders)
    {
        Text = text;
        Placeholders = placeholders;
    }

    /// <summary>The script as the operator wrote it, placeholders included (what the queue carries).</summary>
    public string Text { get; }

    /// <summary>The placeholders, in order of first appearance, each once.</summary>
    public IReadOnlyList<Placeholder> Placeholders { get; }

    /// <summary>The source tables the script names (locked on the root before its event is queued).</summary>
    public IEnumerable<TableName> Tables => Placeholders.Where(p => p.Kind == PlaceholderKind.Table).Select(p => p.Name);

    /// <summary>Parses and checks a script.</summary>
    /// <exception cref="DdlRefusedException">The script is empty, a placeholder is malformed, or a statement cannot be carried.</exception>
    public static DdlScript Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new DdlRefusedException("The script is empty: write the DDL statements to run on the root and every subscriber.");
        }
        var placeholders = new List<Placeholder>();
        foreach (Match match in Braces().Matches(text))
        {
            var inner = Placeholder().Match(match.Value);
            if (!inner.Success)
            {
                throw new DdlRefusedException(
                    $"The placeholder {match.Value} is not valid: write {{{{table:schema.name}}}} or {{{{sequence:schema.name}}}}.");
            }
            var kind = inner.Groups[1].Value.ToLowerInvariant() == "table" ? PlaceholderKind.Table : PlaceholderKind.Sequence;
            var name = ParseName(inner.Groups[2].Value, match.Value);
            if (!placeholders.Any(p => p.Kind == kind && p.Name == name))
            {
                placeholders.Add(new Placeholder(kind, name));
            }
        }
        var script = new DdlScript(text, placeholders);
        var statements = Split(text);
        if (statements.Count == 0)
        {
            throw new DdlRefusedException("The script has no statement (only comments or semicolons).");
        }
        var problems = statements.Select((s, i) => Refusal(s) is { } why ? $"statement {i + 1} ({Head(s)}) {why}" : null)
            .OfType<string>().ToList();
        if (problems.Count > 0)
        {
            throw new DdlRefusedException(
                $"Ferry cannot carry this script: {string.Join("; ", problems)}. Ferry runs the whole script in one transaction on "
                + "the root and, on each subscriber, in the transaction of the batch it belongs to.");
        }
        return script;
    }

    /// <summary>
    /// The script's statements with each placeholder replaced by the quoted name <paramref name="resolve"/> gives it.
    /// </summary>
    public IReadOnlyList<string> Statements(Func<Placeholder, TableName> resolve)
    {
        ArgumentNullException.ThrowIfNull(resolve);
        var text = Braces().Replace(Text, match =>
        {
            var inner = Placeholder().Match(match.Value);
            var kind = inner.Groups[1].Value.ToLowerInvariant() == "table" ? PlaceholderKind.Table : PlaceholderKind.Sequence;
            return resolve(new Placeholder(kind, ParseName(inner.Groups[2].Value, match.Value))).Quoted;
        });
        return Split(text);
    }

    /// <summary>The statements of a SQL text: split at semicolons outside quotes, dollar quotes and comments; empty ones dropped.</summary>
    internal static IReadOnlyList<string> Split(string text)
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

    /// <summary>Why a statement cannot be carried, or null.</summary>
    private static string? Refusal(string statement)
    {
        var words = Words(statement);
        var first = words[0];
        var second = words.Count > 1 ? words[1] : "";
        if (statement.TrimStart().StartsWith('\\'))
        {
            return "is a psql meta-command: write SQL only";
        }
        return first switch
        {
            "BEGIN" or "START" or "COMMIT" or "END" or "ROLLBACK" or "ABORT" or "SAVEPOINT" or "RELEASE" =>
                "is transaction control: remove it",
            "PREPARE" or "EXECUTE" or "DEALLOCATE" => "uses prepared statements or transactions (PREPARE): remove it",
            "SET" when second is "ROLE" or "SESSION" || (second == "LOCAL" && words.Count > 2 && words[2] is "ROLE" or "SESSION") =>
                "changes the role: the script runs as Ferry's role on each node",
            "SET" when second != "LOCAL" => "changes the session: use SET LOCAL, which ends with the transaction",
            "RESET" or "DISCARD" or "LOAD" or "LISTEN" or "UNLISTEN" => "changes the session: remove it",
            "VACUUM" or "CHECKPOINT" => "cannot run inside a transaction: run it on each node yourself",
            "COPY" => "moves rows in or out of the server: replicate data through the queue (plain INSERT/UPDATE on the root)",
            "ALTER" when second == "SYSTEM" => "cannot run inside a transaction: run it on each node yourself",
            "CREATE" or "DROP" when second is "DATABASE" or "TABLESPACE" or "SUBSCRIPTION" =>
                "cannot run inside a transaction: run it on each node yourself",
            "REINDEX" when second is "DATABASE" or "SYSTEM" || words.Contains("CONCURRENTLY") =>
                "cannot run inside a transaction: run it on each node yourself",
            "CREATE" or "DROP" when words.Take(4).Contains("CONCURRENTLY") =>
                "uses CONCURRENTLY, which cannot run inside a transaction: remove CONCURRENTLY",
            _ => null,
        };
    }

    /// <summary>The statement's first words in upper case, comments left out (enough to tell its kind).</summary>
    private static List<string> Words(string statement)
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

    private static string Head(string statement)
    {
        var flat = string.Join(' ', statement.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return flat.Length <= 40 ? flat : flat[..40] + "...";
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

    /// <summary>A name as <c>schema.name</c>, each part plain (as stored) or double-quoted.</summary>
    private static TableName ParseName(string text, string placeholder)
    {
        var parts = new List<string>();
        var current = new StringBuilder();
        var quoted = false;
        var s = text.Trim();
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (c == '"')
            {
                if (quoted && i + 1 < s.Length && s[i + 1] == '"')
                {
                    current.Append('"');
                    i++;
                }
                else
                {
                    quoted = !quoted;
                }
            }
            else if (c == '.' && !quoted)
            {
                parts.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }
        parts.Add(current.ToString());
        if (quoted || parts.Count != 2 || parts.Any(p => p.Length == 0))
        {
            throw new DdlRefusedException(
                $"The placeholder {placeholder} must name schema and object: {{{{table:public.user_info}}}} (quote a part with \"\" "
                + "when it has upper case or dots).");
        }
        return new TableName(parts[0], parts[1]);
    }

    [GeneratedRegex(@"\{\{.*?\}\}", RegexOptions.Singleline)]
    private static partial Regex Braces();

    [GeneratedRegex(@"^\{\{\s*(table|sequence)\s*:\s*(.+?)\s*\}\}$", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"\$([A-Za-z_][A-Za-z0-9_]*)?\$")]
    private static partial Regex Dollar();
}
