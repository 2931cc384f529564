using Ferry.Engine.Rules;

namespace Ferry.Engine.Ddl;

/// <summary>One placeholder of a script: the kind of object and its source name.</summary>
public sealed record Placeholder(PlaceholderKind Kind, TableName Name);
