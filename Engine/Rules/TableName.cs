using Ferry.Engine.Sql;

namespace Ferry.Engine.Rules;

/// <summary>A table (or sequence) as schema and name, both exactly as stored in the catalog (case and quotes kept).</summary>
public sealed record TableName(string Schema, string Name)
{
    /// <summary>Always-quoted <c>"schema"."name"</c>, safe to put in SQL text.</summary>
    public string Quoted => Identifiers.Quote(Schema, Name);

    public override string ToString() => Quoted;
}
