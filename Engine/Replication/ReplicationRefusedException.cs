namespace Ferry.Engine.Replication;

/// <summary>
/// A replication change was refused before anything was changed (DESIGN.md invariant 6); the message says what to fix. The
/// portal and the API show it as is (problem details, HTTP 400 or 409).
/// </summary>
public sealed class ReplicationRefusedException : Exception
{
    public ReplicationRefusedException(string message) : base(message)
    {
    }

    public ReplicationRefusedException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public ReplicationRefusedException()
    {
    }
}
