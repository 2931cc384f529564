namespace Ferry.Portal.Monitoring;

/// <summary>Who may read <c>/metrics</c> (section <c>Monitoring</c>; docs/monitoring.md).</summary>
/// <remarks>
/// A request is admitted when <see cref="AllowAnonymousScrape"/> is on, when it carries <c>Authorization: Bearer
/// &lt;ScrapeToken&gt;</c>, or when it comes from a logged-in user (cookie or API token) with role Viewer or higher. Everything
/// else gets 401.
/// </remarks>
public sealed class ScrapeAccessOptions
{
    public const string Section = "Monitoring";

    /// <summary>
    /// A secret a scraper sends as a bearer token (Prometheus: <c>authorization: { credentials: … }</c>). At least 16 characters;
    /// empty: no scrape token.
    /// </summary>
    public string? ScrapeToken { get; set; }

    /// <summary>
    /// Anyone who reaches the portal may read <c>/metrics</c>. Unset: off, except with <c>--demo</c> (it listens on 127.0.0.1
    /// only and holds throwaway data, so a Prometheus on the same machine scrapes it without any setup).
    /// </summary>
    public bool? AllowAnonymousScrape { get; set; }
}
