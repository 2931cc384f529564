using System.Text.Json;
using System.Text.RegularExpressions;

namespace Ferry.Portal.Api;

/// <summary>
/// Says which field of a request could not be read and what it should hold. ASP.NET Core names the parameter only in its
/// message (<c>Failed to bind parameter "int page" from "x".</c>) and the JSON field only in the inner
/// <see cref="JsonException.Path"/>; both are read here.
/// </summary>
internal static partial class BadRequestProblem
{
    public static (string Field, string Message) Describe(BadHttpRequestException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (e.InnerException is JsonException json)
        {
            var field = FieldOf(json.Path);
            return ConvertedTo().Match(json.Message) is { Success: true } type
                ? (field, $"'{field}' has the wrong type: send {Expected(FieldType(type.Groups["type"].Value, field))}.")
                : (field, $"The body is not valid JSON at '{field}': {FirstSentence(json.Message)} Send one JSON object.");
        }
        if (BindFailed().Match(e.Message) is { Success: true } bind)
        {
            var name = bind.Groups["name"].Value;
            return (name, $"'{bind.Groups["value"].Value}' is not a valid {name}: send {Expected(bind.Groups["type"].Value.TrimEnd('?'))}.");
        }
        if (Required().Match(e.Message) is { Success: true } required)
        {
            var name = required.Groups["name"].Value;
            return required.Groups["source"].Value == "body" ? NoBody() : (name, $"'{name}' is required.");
        }
        if (e.Message.Contains("no body was provided", StringComparison.Ordinal))
        {
            return NoBody();
        }
        if (e.StatusCode == StatusCodes.Status415UnsupportedMediaType)
        {
            return ("body", "Send the body as JSON with Content-Type: application/json.");
        }
        return ("request", e.Message);
    }

    private static (string, string) NoBody() => ("body", "The body is empty: send one JSON object (Content-Type: application/json).");

    /// <summary><c>$.port</c> → <c>port</c>; the whole body (<c>$</c>, or no path) → <c>body</c>.</summary>
    private static string FieldOf(string? path) =>
        path is null || path == "$" ? "body" : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message : message[..(end + 1)];
    }

    /// <summary>
    /// System.Text.Json names the record it was building when a constructor parameter fails, not the field's own type:
    /// look the field up on that record.
    /// </summary>
    private static string FieldType(string typeName, string field)
    {
        var name = Nullable().Match(typeName) is { Success: true } inner ? inner.Groups["type"].Value : typeName;
        var property = FindType(name)?.GetProperties()
            .FirstOrDefault(p => string.Equals(p.Name, field, StringComparison.OrdinalIgnoreCase));
        return property is null ? name : (System.Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType).FullName!;
    }

    /// <summary>What a value of a .NET type (full name, or C# keyword as ASP.NET Core writes it) looks like, in words.</summary>
    private static string Expected(string typeName)
    {
        var name = Nullable().Match(typeName) is { Success: true } inner ? inner.Groups["type"].Value : typeName;
        var shortName = name[(name.LastIndexOf('.') + 1)..];
        return shortName switch
        {
            "Int32" or "int" or "Int64" or "long" or "Int16" or "short" => "a whole number",
            "Double" or "double" or "Decimal" or "decimal" or "Single" or "float" => "a number",
            "Boolean" or "bool" => "true or false",
            "String" or "string" => "a string",
            "DateTimeOffset" or "DateTime" => "a date and time in ISO 8601, e.g. 2026-01-31T12:00:00Z",
            "Guid" => "a GUID",
            _ when FindType(name) is { IsEnum: true } type => "one of " + string.Join(", ", Enum.GetNames(type)),
            _ => "a " + shortName,
        };
    }

    private static Type? FindType(string fullName) =>
        AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetType(fullName, throwOnError: false)).FirstOrDefault(t => t is not null);

    [GeneratedRegex(@"could not be converted to (?<type>[^\s]+?)\. Path")]
    private static partial Regex ConvertedTo();

    [GeneratedRegex("^Failed to bind parameter \"(?<type>[^\"]+) (?<name>[^\" ]+)\" from \"(?<value>[^\"]*)\"")]
    private static partial Regex BindFailed();

    [GeneratedRegex("^Required parameter \"(?<type>[^\"]+) (?<name>[^\" ]+)\" was not provided from (?<source>[a-z ]+)")]
    private static partial Regex Required();

    [GeneratedRegex(@"^System\.Nullable`1\[(?<type>[^\]]+)\]$")]
    private static partial Regex Nullable();
}
