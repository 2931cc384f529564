namespace Ferry.Engine.Sql;

/// <summary>Quotes PostgreSQL identifiers. Every identifier that reaches SQL text goes through here.</summary>
public static class Identifiers
{
    /// <summary>Always quotes: <c>a"b</c> becomes <c>"a""b"</c>.</summary>
    public static string Quote(string identifier)
    {
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        if (identifier.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("An identifier cannot contain a NUL character.", nameof(identifier));
        }
        return "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary><c>"schema"."name"</c>.</summary>
    public static string Quote(string schema, string name) => Quote(schema) + "." + Quote(name);
}
