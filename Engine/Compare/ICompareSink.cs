namespace Ferry.Engine.Compare;

/// <summary>
/// Where a compare puts the differing rows as it finds them, a few hundred at a time, so that a table of any size is compared
/// in bounded memory. Called from several chunk workers at once: implementations serialize themselves.
/// </summary>
public interface ICompareSink
{
    Task AddAsync(IReadOnlyList<RowDifference> differences, CancellationToken cancellationToken);
}
