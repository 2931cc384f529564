namespace Ferry.Portal.Security;

/// <summary>The key ring cannot be used as configured; the message says what the operator does about it.</summary>
public sealed class KeyRingException(string message) : Exception(message);
