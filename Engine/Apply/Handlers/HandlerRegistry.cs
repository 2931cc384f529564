namespace Ferry.Engine.Apply.Handlers;

/// <summary>
/// The handlers a table rule may name (<c>TableRuleRecord.HandlerName</c> in the control database, its options in
/// <c>HandlerOptions</c>): <c>bulk</c>, the default (also when no name is stored), <c>row</c>, <c>append</c>, <c>function</c>,
/// <c>partition</c>, and the .NET handlers loaded at startup (<see cref="Register"/>, docs/handlers.md). Any other name is
/// refused when a rule is saved, and stops the table when a stored rule names it (<see cref="Unknown"/>'s message).
/// See docs/decisions/ADR-012-handlers-by-name.md and docs/decisions/ADR-019-handlers.md.
/// </summary>
/// <remarks>Handlers of kinds without options keep no state between calls, so one instance per name serves every loop.</remarks>
public static class HandlerRegistry
{
    /// <summary><see cref="BulkHandler"/>: folds the batch per key and applies it set-based. The default.</summary>
    public const string Bulk = "bulk";

    /// <summary><see cref="RowHandler"/>: one statement per event, in event order.</summary>
    public const string Row = "row";

    /// <summary><see cref="AppendHandler"/>: inserts only, for append-only tables, also without a key.</summary>
    public const string Append = "append";

    /// <summary><see cref="FunctionHandler"/>: each change to a function the DBA writes on the target.</summary>
    public const string Function = "function";

    /// <summary><see cref="PartitionHandler"/>: inserts into per-period tables by a timestamp column.</summary>
    public const string Partition = "partition";

    private static readonly HandlerKind[] _builtIn =
    [
        new PlainHandlerKind(Bulk, "The default: folds each batch per key and writes it set-based (COPY, then upsert or MERGE).",
            limits => new BulkHandler(options: limits)),
        new PlainHandlerKind(Row, "One statement per change, in order: slow, obviously right; names the change that fails.", _ => new RowHandler()),
        new PlainHandlerKind(Append, "Append-only tables, also without a key (log tables): inserts only; an update, delete or truncate stops the table.",
            limits => new AppendHandler(limits), needsKey: false),
        new FunctionHandlerKind(),
        new PartitionHandlerKind(),
    ];

    private static readonly Lock _gate = new();
    private static HandlerKind[] _kinds = _builtIn;
    private static readonly Dictionary<string, IHandler> _handlers = With(new ApplyOptions()).ToDictionary(StringComparer.Ordinal);

    /// <summary>Every handler a rule may name: the built-in ones, then the loaded .NET ones, in that order.</summary>
    public static IReadOnlyList<HandlerKind> Kinds => Volatile.Read(ref _kinds);

    /// <summary>The names a table rule may use (case matters).</summary>
    public static IReadOnlyCollection<string> Names => [.. Kinds.Select(k => k.Name)];

    /// <summary>The handler of a table rule that names none.</summary>
    public static IHandler Default => _handlers[Bulk];

    /// <summary>Where a loaded .NET handler came from (assembly and version); null for a built-in one.</summary>
    public static string? OriginOf(HandlerKind kind) => (kind as ChangeHandlerKind)?.Origin;

    /// <summary>Whether <paramref name="kind"/> is a .NET handler loaded at startup rather than a built-in one.</summary>
    public static bool IsLoaded(HandlerKind kind) => !_builtIn.Contains(kind);

    /// <summary>The kind named <paramref name="name"/>, bulk for null or empty; null when there is none.</summary>
    public static HandlerKind? Kind(string? name)
    {
        var wanted = string.IsNullOrEmpty(name) ? Bulk : name;
        return Kinds.FirstOrDefault(k => k.Name == wanted);
    }

    /// <summary>
    /// Adds a handler kind (a .NET handler loaded at startup, docs/handlers.md).
    /// </summary>
    /// <exception cref="ArgumentException">A handler of that name exists already.</exception>
    public static void Register(HandlerKind kind)
    {
        ArgumentNullException.ThrowIfNull(kind);
        lock (_gate)
        {
            if (_kinds.Any(k => k.Name == kind.Name))
            {
                throw new ArgumentException($"A handler named '{kind.Name}' exists already: give the new one another name.", nameof(kind));
            }
            Volatile.Write(ref _kinds, [.. _kinds, kind]);
        }
    }

    /// <summary>Removes a registered .NET handler kind (tests); the built-in ones stay.</summary>
    public static void Unregister(string name)
    {
        lock (_gate)
        {
            Volatile.Write(ref _kinds, [.. _kinds.Where(k => k.Name != name || _builtIn.Contains(k))]);
        }
    }

    /// <summary>
    /// The handler with this name, the bulk one for null or empty, or null when there is none; taken from
    /// <paramref name="handlers"/> (made by <see cref="With"/>) when given, else the ones with the default settings. A kind
    /// with options makes a handler per table: see <see cref="Create"/>.
    /// </summary>
    public static IHandler? Find(string? name, IReadOnlyDictionary<string, IHandler>? handlers = null) =>
        (handlers ?? _handlers).GetValueOrDefault(string.IsNullOrEmpty(name) ? Bulk : name)
        ?? (Kind(name) is { Options.Count: 0 } kind ? kind.Create(HandlerOptions.Parse(null), new ApplyOptions()) : null);

    /// <summary>
    /// The handler of one table: the shared one of <paramref name="handlers"/> for a kind without options, else a new one
    /// with <paramref name="options"/>; null when no handler has this name.
    /// </summary>
    public static IHandler? Create(
        string? name, IReadOnlyDictionary<string, string> options, IReadOnlyDictionary<string, IHandler> handlers, ApplyOptions limits)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(handlers);
        if (Kind(name) is not { } kind)
        {
            return null;
        }
        return kind.Options.Count == 0 && handlers.TryGetValue(kind.Name, out var shared) ? shared : kind.Create(options, limits);
    }

    /// <summary>One handler per name of the kinds without options, for one loop, folding within <paramref name="options"/>' limits.</summary>
    public static IReadOnlyDictionary<string, IHandler> With(ApplyOptions options) =>
        Kinds.Where(k => k.Options.Count == 0).ToDictionary(k => k.Name, k => k.Create(HandlerOptions.Parse(null), options), StringComparer.Ordinal);

    /// <summary>What to tell about a table whose rule names a handler that does not exist.</summary>
    public static string Unknown(string? name) =>
        $"The table's handler '{name}' does not exist: name one of {string.Join(", ", Names)}, or none for {Bulk}.";
}
