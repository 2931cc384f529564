namespace Ferry.Engine.Replication.Status;

/// <summary>Which page of a subscription's tables to read, and how to sort and filter them first.</summary>
/// <param name="Page">Zero-based page number.</param>
/// <param name="PageSize">Tables per page, 1 to <see cref="MaxPageSize"/>.</param>
/// <param name="Search">Text that the source, the target or the state contains (case-insensitive); null or blank for every table.</param>
/// <param name="Filters">Every filter must hold.</param>
/// <param name="Sort">First sort first; ties, and no sort, go by source name.</param>
public sealed record TableQuery(
    int Page = 0, int PageSize = 25, string? Search = null, IReadOnlyList<TableFilter>? Filters = null, IReadOnlyList<TableSort>? Sort = null)
{
    public const int MaxPageSize = 1000;
}
