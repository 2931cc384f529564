namespace Ferry.Engine.LocalServer;

/// <summary>A local PostgreSQL server could not be found, created, started or stopped; the message says what to fix.</summary>
public sealed class LocalServerException(string message, Exception? inner = null) : Exception(message, inner);
