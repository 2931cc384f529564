using Ferry.Engine.Consumers;
using Ferry.Engine.Queue;

namespace Ferry.Engine.Apply.Handlers;

/// <summary>
/// The operation a change-per-call handler (<c>function</c>, a .NET handler) is given for an event: a row leaving the
/// rule's filter is a DELETE there (docs/decisions/ADR-019-handlers.md).
/// </summary>
internal static class ChangeOperation
{
    /// <summary>INSERT, UPDATE, DELETE or TRUNCATE; refused with an <see cref="ApplyException"/> for any other event type.</summary>
    public static string Of(ApplyEvent item, string handler)
    {
        var e = item.Event;
        return e.Type switch
        {
            EventTypes.Insert when item.InFilter => "INSERT",
            EventTypes.Update when item.InFilter => "UPDATE",
            EventTypes.Insert or EventTypes.Update or EventTypes.Delete => "DELETE",
            EventTypes.Truncate => "TRUNCATE",
            _ => throw new ApplyException($"Event {e.Id} has type '{e.Type}', which the {handler} handler does not apply.", e, null),
        };
    }
}
