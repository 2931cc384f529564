using Ferry.Engine.Rules;
using Npgsql;

namespace Ferry.Engine.Apply.Handlers;

/// <summary>
/// One handler a table rule may name (<see cref="HandlerRegistry"/>): its name, a one-line description for the portal's
/// picker, the options it takes, whether it needs a key, the check of its options against the target when a rule is saved, and
/// the <see cref="IHandler"/> it makes for one table (docs/decisions/ADR-019-handlers.md).
/// </summary>
public abstract class HandlerKind
{
    /// <summary>The name a rule stores (case matters).</summary>
    public abstract string Name { get; }

    /// <summary>One line for the picker: what it does with the table's changes.</summary>
    public abstract string Description { get; }

    /// <summary>
    /// Whether a table needs a key (primary key or unique index over NOT NULL columns) for this handler. A handler that only
    /// ever inserts (<c>append</c>, <c>partition</c>) takes keyless tables.
    /// </summary>
    public virtual bool NeedsKey => true;

    /// <summary>The options it takes; any other option is refused.</summary>
    public virtual IReadOnlyList<HandlerOption> Options => [];

    /// <summary>
    /// What is wrong with <paramref name="options"/> for <paramref name="rule"/> on the target, or null when they hold. Called when
    /// a rule is saved (nothing is stored when it answers a problem) and when the loop is built. The default checks that every
    /// option is known and every required one given.
    /// </summary>
    public virtual Task<string?> ProblemAsync(
        NpgsqlDataSource target, TableRule rule, IReadOnlyDictionary<string, string> options, CancellationToken cancellationToken) =>
        Task.FromResult(HandlerOptions.Problem(this, options));

    /// <summary>The handler of one table with <paramref name="options"/> (already checked), folding within <paramref name="limits"/>.</summary>
    public abstract IHandler Create(IReadOnlyDictionary<string, string> options, ApplyOptions limits);
}

/// <summary>One option of a handler, as the picker shows it.</summary>
/// <param name="Name">The option's name.</param>
/// <param name="Description">What it means, with an example.</param>
/// <param name="Required">Whether a rule must give it.</param>
public sealed record HandlerOption(string Name, string Description, bool Required = true);

/// <summary>A handler kind whose handler takes no option and keeps no state: one instance serves every table.</summary>
internal sealed class PlainHandlerKind(string name, string description, Func<ApplyOptions, IHandler> create, bool needsKey = true)
    : HandlerKind
{
    public override string Name => name;

    public override string Description => description;

    public override bool NeedsKey => needsKey;

    public override IHandler Create(IReadOnlyDictionary<string, string> options, ApplyOptions limits) => create(limits);
}
