namespace Ferry.Engine.Ddl;

/// <summary>What a placeholder stands for.</summary>
public enum PlaceholderKind
{
    /// <summary><c>{{table:schema.name}}</c>: a table rule's source table, its target table on a subscriber.</summary>
    Table,

    /// <summary><c>{{sequence:schema.name}}</c>: a sequence rule's source sequence, its target sequence on a subscriber.</summary>
    Sequence,
}
