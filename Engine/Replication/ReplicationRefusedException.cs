namespace Ferry.Engine.Replication;

/// <summary>
/// A replication change was refused before anything was changed (docs/decisions/ADR-007-refusal-kinds.md); the message says
/// what to fix. The portal shows it as is; the API answers with problem details whose status follows <see cref="Kind"/>.
/// </summary>
public sealed class ReplicationRefusedException : Exception
{
    public ReplicationRefusedException(string message, RefusalKind kind = RefusalKind.BadInput) : base(message) => Kind = kind;

    public ReplicationRefusedException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public ReplicationRefusedException()
    {
    }

    /// <summary>Why the request was refused: bad input (400), something it names is missing (404), or a clash (409).</summary>
    public RefusalKind Kind { get; }

    /// <summary>The set, subscription, node or table the request names does not exist (any more).</summary>
    public static ReplicationRefusedException NotFound(string message) => new(message, RefusalKind.NotFound);

    /// <summary>The request clashes with what exists: a duplicate name, a table added twice, a set still in use.</summary>
    public static ReplicationRefusedException Conflict(string message) => new(message, RefusalKind.Conflict);
}
