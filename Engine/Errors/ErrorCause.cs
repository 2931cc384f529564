using System.Text.RegularExpressions;

namespace Ferry.Engine.Errors;

/// <summary>What groups errors (docs/decisions/ADR-017-error-history.md): the message without the parts that change between retries.</summary>
public static partial class ErrorCause
{
    /// <summary>
    /// <paramref name="message"/> with quoted values (<c>'...'</c>), numbers and hexadecimal ids replaced by <c>?</c>, spaces
    /// folded, at most 1,000 characters: "duplicate key value violates unique constraint "k"" stays one cause whatever the key.
    /// Double-quoted names (relations, constraints, columns) are kept: they are the cause.
    /// </summary>
    public static string Normalise(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var text = Quoted().Replace(message, "?");
        text = Numbers().Replace(text, "?");
        text = Spaces().Replace(text, " ").Trim();
        return text.Length <= 1000 ? text : text[..1000];
    }

    [GeneratedRegex("'(?:[^']|'')*'")]
    private static partial Regex Quoted();

    [GeneratedRegex(@"\b(?:0x[0-9a-fA-F]+|\d+(?:\.\d+)?)\b")]
    private static partial Regex Numbers();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
