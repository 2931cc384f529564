namespace Ferry.Engine.Control;

/// <summary>
/// A service refused a request before changing anything; the message says what to fix. The API answers 400, or 409
/// when <see cref="IsConflict"/> (the request clashes with what exists: a duplicate name, a node still in use).
/// </summary>
public sealed class RequestRefusedException(string message, bool isConflict = false) : Exception(message)
{
    public bool IsConflict { get; } = isConflict;
}
