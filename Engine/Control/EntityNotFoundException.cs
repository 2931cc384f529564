namespace Ferry.Engine.Control;

/// <summary>The node, schedule or other entity a request names does not exist (any more). The API answers 404.</summary>
public sealed class EntityNotFoundException(string message) : Exception(message);
