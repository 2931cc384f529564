namespace Ferry.Engine.Replication;

/// <summary>The kinds of <see cref="ReplicationRefusedException"/>.</summary>
public enum RefusalKind
{
    /// <summary>The request itself is wrong (a bad name, filter or key); fixing the input fixes it.</summary>
    BadInput,

    /// <summary>What the request names does not exist (any more).</summary>
    NotFound,

    /// <summary>The request clashes with what exists.</summary>
    Conflict,

    /// <summary>The request needs something only an Admin may do first (install or upgrade Ferry on a node).</summary>
    NeedsAdmin,
}
