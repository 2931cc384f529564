namespace Ferry.Engine.Ddl;

/// <summary>A DDL script Ferry refuses before anything runs; the message says what to change.</summary>
public sealed class DdlRefusedException : Exception
{
    public DdlRefusedException(string message) : base(message)
    {
    }

    public DdlRefusedException()
    {
    }

    public DdlRefusedException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
