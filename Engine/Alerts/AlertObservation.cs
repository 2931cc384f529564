namespace Ferry.Engine.Alerts;

/// <summary>What one round saw of one rule's condition on one subject.</summary>
/// <param name="Subject">The subject's key (<c>subscription:3</c>, <c>table:17</c>, <c>node:2</c>, <c>set:1</c>).</param>
/// <param name="Holds">
/// True: the condition holds; false: it does not; null: it could not be told (the root did not answer), so the alert stays as
/// it is (neither fires nor resolves on missing figures).
/// </param>
public sealed record AlertObservation(string Subject, string SubjectName, bool? Holds, double? Value, string Message);
