using System.ComponentModel.DataAnnotations;

namespace Ferry.Portal.Security;

/// <summary>Settings of the portal's doors (section <c>Security</c>); see <c>docs/decisions/ADR-008-sign-in-limits.md</c>.</summary>
public sealed class SecurityOptions
{
    public const string Section = "Security";

    /// <summary>
    /// How often an open session (a login cookie, a Blazor circuit) is checked against its user: within this time a
    /// deleted user, a role change, a password reset or a lockout ends it. Each check reads the user once.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:30:00")]
    public TimeSpan RevalidationInterval { get; set; } = TimeSpan.FromSeconds(5);
}
