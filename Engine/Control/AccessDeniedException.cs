namespace Ferry.Engine.Control;

/// <summary>A user asked a service for something their role does not allow (HTTP 403).</summary>
public sealed class AccessDeniedException(string message) : Exception(message);
