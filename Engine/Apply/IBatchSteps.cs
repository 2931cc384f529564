using Ferry.Engine.Apply.Handlers;
using Ferry.Engine.Consumers;
using Ferry.Engine.Queue;
using Ferry.Engine.Rules;

namespace Ferry.Engine.Apply;

/// <summary>
/// A batch's work besides its row changes, in the batch's one target transaction
/// (docs/decisions/ADR-020-ddl-and-sequences-in-the-stream.md): events that run at their point of the stream (an operator's
/// DDL script), between the row changes before and after them, and what the batch's tick carries (sequence values).
/// </summary>
public interface IBatchSteps
{
    /// <summary>Whether the event is a step, run by <see cref="RunStepAsync"/>, rather than a row change for the handler.</summary>
    bool IsStep(QueueEvent e);

    /// <summary>
    /// Runs a step on the target once the handler has written every event before it. Returns the rules that changed (a table
    /// whose columns the step added or dropped): the events after the step are applied with them.
    /// </summary>
    /// <exception cref="ApplyException">The step failed; carries the step's event.</exception>
    Task<IReadOnlyList<TableRule>> RunStepAsync(QueueEvent e, HandlerTarget target, CancellationToken cancellationToken);

    /// <summary>Runs after the batch's events, before its tick is recorded.</summary>
    Task FinishAsync(Batch batch, HandlerTarget target, CancellationToken cancellationToken);
}
