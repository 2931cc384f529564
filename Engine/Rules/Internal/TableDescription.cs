namespace Ferry.Engine.Rules.Internal;

/// <summary>A table as the catalog of one database describes it.</summary>
internal sealed record TableDescription(
    uint Oid, string Text, char Kind, double EstimatedRows, IReadOnlyList<CatalogColumn> Columns, IReadOnlyList<CatalogIndex> Indexes);

/// <summary>One column as the catalog has it; <see cref="HasDefault"/> counts defaults, identities and generated columns.</summary>
internal sealed record CatalogColumn(ColumnDefinition Definition, bool Generated, bool HasDefault);

/// <summary>One index; <see cref="Usable"/> means unique, immediate, valid, without predicate or expression.</summary>
internal sealed record CatalogIndex(string Name, bool Primary, bool Usable, IReadOnlyList<string> Columns);
