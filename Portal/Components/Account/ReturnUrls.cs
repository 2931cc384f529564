namespace Ferry.Portal.Components.Account;

/// <summary>Where an account page may send the browser afterwards.</summary>
public static class ReturnUrls
{
    /// <summary>Only paths of this site: an absolute or protocol-relative URL would make an open redirect.</summary>
    public static string Local(string? returnUrl) =>
        returnUrl is { Length: > 0 } && returnUrl[0] == '/' && !returnUrl.StartsWith("//", StringComparison.Ordinal)
            && !returnUrl.StartsWith("/\\", StringComparison.Ordinal)
            ? returnUrl
            : "/";
}
