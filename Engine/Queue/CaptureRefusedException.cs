namespace Ferry.Engine.Queue;

/// <summary>
/// Capture of a table was refused before anything changed (no usable key, not a table, ...): the message says what to fix.
/// </summary>
public sealed class CaptureRefusedException(string message, Exception innerException) : Exception(message, innerException);
