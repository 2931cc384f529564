namespace Ferry.Portal.Api;

/// <summary>
/// Paging parameters of every list that pages (<c>page</c> from 0 and <c>pageSize</c>, or <c>skip</c> and <c>take</c>):
/// out of range or overflowing values are refused with a 400 naming the parameter, before anything is read.
/// </summary>
internal static class ApiPaging
{
    /// <summary>Checks <paramref name="page"/> and <paramref name="pageSize"/> and returns the offset of the page's first row.</summary>
    public static int Offset(int page, int pageSize, int maxPageSize)
    {
        if (pageSize is < 1 || pageSize > maxPageSize)
        {
            throw new ApiParameterException("pageSize", $"pageSize {pageSize} is out of range: ask for 1 to {maxPageSize} rows per page.");
        }
        if (page < 0)
        {
            throw new ApiParameterException("page", $"page {page} is out of range: pages are numbered from 0.");
        }
        var offset = (long)page * pageSize;
        if (offset > int.MaxValue)
        {
            throw new ApiParameterException("page", $"page {page} of {pageSize} rows starts past the last row there can be: ask for a lower page.");
        }
        return (int)offset;
    }

    /// <summary>Checks an offset and a row count as <c>skip</c> and <c>take</c>.</summary>
    public static void CheckSkipTake(int skip, int take, int maxTake)
    {
        if (skip < 0)
        {
            throw new ApiParameterException("skip", $"skip {skip} is out of range: skip 0 or more rows.");
        }
        if (take is < 1 || take > maxTake)
        {
            throw new ApiParameterException("take", $"take {take} is out of range: take 1 to {maxTake} rows.");
        }
    }
}
