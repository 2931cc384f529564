namespace Ferry.Engine.Sequences;

/// <summary>A sequence's position as <c>SELECT last_value, is_called FROM seq</c> gives it.</summary>
/// <param name="LastValue">The last value handed out, or the first to hand out when <paramref name="IsCalled"/> is false.</param>
/// <param name="IsCalled">Whether <paramref name="LastValue"/> was handed out already.</param>
public readonly record struct SequenceValue(long LastValue, bool IsCalled)
{
    /// <summary>The value the next <c>nextval</c> returns for a sequence moving by <paramref name="increment"/>.</summary>
    public long Next(long increment) => IsCalled ? LastValue + increment : LastValue;
}
