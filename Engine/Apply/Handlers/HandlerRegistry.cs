namespace Ferry.Engine.Apply.Handlers;

/// <summary>
/// The handlers a table rule may name (<c>TableRuleRecord.HandlerName</c> in the control database): <c>bulk</c>, the
/// default (also when no name is stored), and <c>row</c>. Any other name is refused: the subscription runner stops that
/// table with <see cref="Unknown"/>'s message. A new handler becomes available by getting a name here.
/// </summary>
/// <remarks>Handlers keep no state between calls, so one instance per name serves every loop.</remarks>
public static class HandlerRegistry
{
    /// <summary><see cref="BulkHandler"/>: folds the batch per key and applies it set-based. The default.</summary>
    public const string Bulk = "bulk";

    /// <summary><see cref="RowHandler"/>: one statement per event, in event order.</summary>
    public const string Row = "row";

    private static readonly Dictionary<string, IHandler> _handlers = new(StringComparer.Ordinal)
    {
        [Bulk] = new BulkHandler(),
        [Row] = new RowHandler(),
    };

    /// <summary>The names a table rule may use (case matters).</summary>
    public static IReadOnlyCollection<string> Names => _handlers.Keys;

    /// <summary>The handler of a table rule that names none.</summary>
    public static IHandler Default => _handlers[Bulk];

    /// <summary>
    /// The handler with this name, the bulk one for null or empty, or null when there is no such handler; taken from
    /// <paramref name="handlers"/> (made by <see cref="With"/>) when given, else the ones with the default settings.
    /// </summary>
    public static IHandler? Find(string? name, IReadOnlyDictionary<string, IHandler>? handlers = null) =>
        (handlers ?? _handlers).GetValueOrDefault(string.IsNullOrEmpty(name) ? Bulk : name);

    /// <summary>One handler per name for one loop, the bulk handler folding within <paramref name="options"/>' limits.</summary>
    public static IReadOnlyDictionary<string, IHandler> With(ApplyOptions options) => new Dictionary<string, IHandler>(StringComparer.Ordinal)
    {
        [Bulk] = new BulkHandler(options: options),
        [Row] = _handlers[Row],
    };

    /// <summary>What to tell about a table whose rule names a handler that does not exist.</summary>
    public static string Unknown(string? name) =>
        $"The table's handler '{name}' does not exist: name one of {string.Join(", ", Names)}, or none for {Bulk}.";
}
