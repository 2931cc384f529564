using System.Text;
using System.Text.RegularExpressions;
using Ferry.Engine.Ddl.Internal;
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
        var statements = SqlLexer.Split(text);
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
        return SqlLexer.Split(text);
    }

    /// <summary>Why a statement cannot be carried, or null.</summary>
    private static string? Refusal(string statement)
    {
        var words = SqlLexer.Words(statement);
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

    private static string Head(string statement)
    {
        var flat = string.Join(' ', statement.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return flat.Length <= 40 ? flat : flat[..40] + "...";
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
}
