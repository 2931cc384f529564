namespace Ferry.Engine.Rules.Internal;

/// <summary>
/// Reads a row filter the way PostgreSQL's lexer does, only far enough to know where its parentheses, brackets and
/// semicolons are: outside string constants (<c>'…'</c>, <c>E'…'</c>), quoted identifiers, comments (<c>--</c>, nested
/// <c>/* */</c>) and dollar quotes (<c>$tag$…$tag$</c>).
/// </summary>
/// <remarks>
/// Ferry splices a filter into its SQL between parentheses (<c>WHERE (filter)</c>, <c>NOT (filter)</c>,
/// <c>coalesce((filter), false)</c>). A text whose own parentheses do not balance, such as <c>1=1) or (1=1</c>, would close
/// Ferry's parenthesis and join its condition to the rest of the statement: it selects the same rows under
/// <c>WHERE</c> only by luck and different ones under <c>NOT</c> or <c>AND</c>. So a filter must be balanced on its own,
/// with nothing left open at its end (an unclosed quote or comment would swallow Ferry's closing parenthesis), and hold
/// no statement separator or query parameter. The server then parses it as one expression (see <see cref="FilterCheck"/>).
/// </remarks>
internal static class FilterText
{
    /// <summary>Returns null when the text is balanced, else what is wrong with it.</summary>
    /// <param name="filter">The filter text.</param>
    /// <param name="standardConformingStrings">
    /// The server's <c>standard_conforming_strings</c>: off makes <c>\</c> an escape in <c>'…'</c>.
    /// </param>
    public static string? Problem(string filter, bool standardConformingStrings = true)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var open = new Stack<(char Bracket, int Position)>();
        var i = 0;
        while (i < filter.Length)
        {
            var c = filter[i];
            var next = i + 1 < filter.Length ? filter[i + 1] : '\0';
            switch (c)
            {
                case '\'':
                    if (SkipQuoted(filter, ref i, '\'', backslashEscapes: !standardConformingStrings) is false)
                    {
                        return $"a string constant opened at position {i + 1} is not closed";
                    }
                    continue;
                case '"':
                    if (SkipQuoted(filter, ref i, '"', backslashEscapes: false) is false)
                    {
                        return $"a quoted identifier opened at position {i + 1} is not closed";
                    }
                    continue;
                case '-' when next == '-':
                    while (i < filter.Length && filter[i] is not ('\n' or '\r'))
                    {
                        i++;
                    }
                    continue;
                case '/' when next == '*':
                    if (SkipComment(filter, ref i) is false)
                    {
                        return $"a comment opened at position {i + 1} is not closed";
                    }
                    continue;
                case '$':
                    if (char.IsAsciiDigit(next))
                    {
                        return "it refers to a query parameter ($n); write the value into the expression";
                    }
                    if (DollarTag(filter, i) is { } tag)
                    {
                        var end = filter.IndexOf(tag, i + tag.Length, StringComparison.Ordinal);
                        if (end < 0)
                        {
                            return $"a dollar-quoted string opened at position {i + 1} is not closed";
                        }
                        i = end + tag.Length;
                        continue;
                    }
                    break;
                case '(' or '[':
                    open.Push((c, i));
                    break;
                case ')' or ']':
                    var expected = c == ')' ? '(' : '[';
                    if (open.Count == 0 || open.Peek().Bracket != expected)
                    {
                        return $"the '{c}' at position {i + 1} closes nothing the filter opened: a row filter is one expression whose "
                            + "parentheses and brackets pair up within it";
                    }
                    open.Pop();
                    break;
                case ';':
                    return $"it has a ';' at position {i + 1}: a row filter is one expression, not statements";
                default:
                    if (IsIdentifierStart(c))
                    {
                        var start = i;
                        while (i < filter.Length && IsIdentifierPart(filter[i]))
                        {
                            i++;
                        }
                        // E'…' (one letter, right before the quote) is a string with backslash escapes.
                        if (i - start == 1 && c is 'E' or 'e' && i < filter.Length && filter[i] == '\'')
                        {
                            if (SkipQuoted(filter, ref i, '\'', backslashEscapes: true) is false)
                            {
                                return $"a string constant opened at position {i + 1} is not closed";
                            }
                        }
                        continue;
                    }
                    if (char.IsAsciiDigit(c))
                    {
                        // Numbers (1, 1.5e3, 0x1F, 1_000) may end in letters; they never hold a quote or bracket.
                        while (i < filter.Length && (char.IsAsciiLetterOrDigit(filter[i]) || filter[i] is '_' or '.'))
                        {
                            i++;
                        }
                        continue;
                    }
                    break;
            }
            i++;
        }
        if (open.Count > 0)
        {
            var (bracket, position) = open.Peek();
            return $"the '{bracket}' at position {position + 1} is not closed: a row filter is one expression whose parentheses and "
                + "brackets pair up within it";
        }
        return null;
    }

    /// <summary>Moves past quoted text starting at <paramref name="i"/>; false (<paramref name="i"/> unchanged) if it never ends.</summary>
    private static bool SkipQuoted(string text, ref int i, char quote, bool backslashEscapes)
    {
        for (var j = i + 1; j < text.Length; j++)
        {
            if (backslashEscapes && text[j] == '\\')
            {
                j++;
            }
            else if (text[j] == quote)
            {
                if (j + 1 < text.Length && text[j + 1] == quote)
                {
                    j++;
                    continue;
                }
                i = j + 1;
                return true;
            }
        }
        return false;
    }

    /// <summary>Moves past a comment that may nest (<c>/* /* */ */</c>), as PostgreSQL's comments do.</summary>
    private static bool SkipComment(string text, ref int i)
    {
        var depth = 0;
        for (var j = i; j + 1 < text.Length; j++)
        {
            if (text[j] == '/' && text[j + 1] == '*')
            {
                depth++;
                j++;
            }
            else if (text[j] == '*' && text[j + 1] == '/')
            {
                depth--;
                j++;
                if (depth == 0)
                {
                    i = j + 1;
                    return true;
                }
            }
        }
        return false;
    }

    /// <summary>The <c>$tag$</c> (or <c>$$</c>) starting at <paramref name="i"/>, or null when none starts there.</summary>
    private static string? DollarTag(string text, int i)
    {
        var j = i + 1;
        if (j < text.Length && IsIdentifierStart(text[j]))
        {
            while (j < text.Length && IsIdentifierPart(text[j]) && text[j] != '$')
            {
                j++;
            }
        }
        return j < text.Length && text[j] == '$' ? text[i..(j + 1)] : null;
    }

    // PostgreSQL's ident_start and ident_cont (scan.l): letters, '_', any non-ASCII character; digits and '$' after the first.
    private static bool IsIdentifierStart(char c) => char.IsAsciiLetter(c) || c == '_' || c >= '\u0080';

    private static bool IsIdentifierPart(char c) => IsIdentifierStart(c) || char.IsAsciiDigit(c) || c == '$';
}
