using Ferry.Engine.Queue;

namespace Ferry.Engine.Apply;

/// <summary>Applying a batch failed; carries the event that failed when the handler knows it (row by row).</summary>
public sealed class ApplyException : Exception
{
    public ApplyException(string message, QueueEvent? failedEvent, Exception? innerException) : base(message, innerException)
    {
        FailedEvent = failedEvent;
    }

    public ApplyException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public ApplyException(string message) : base(message)
    {
    }

    public ApplyException()
    {
    }

    /// <summary>The event being applied when the error happened; null for set-based handlers.</summary>
    public QueueEvent? FailedEvent { get; }
}
