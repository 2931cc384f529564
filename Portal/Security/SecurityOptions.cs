using System.ComponentModel.DataAnnotations;

namespace Ferry.Portal.Security;

/// <summary>Settings of the portal's doors (section <c>Security</c>); see <c>docs/decisions/ADR-013-sign-in-limits.md</c>.</summary>
public sealed class SecurityOptions
{
    public const string Section = "Security";

    /// <summary>
    /// How often an open session (a login cookie, a Blazor circuit) is checked against its user: within this time a
    /// deleted user, a role change, a password reset or a lockout ends it. Each check reads the user once.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:30:00")]
    public TimeSpan RevalidationInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Sign-in attempts (login form posts and token requests together) one client address may make per <see cref="SignInWindow"/>.</summary>
    [Range(1, 100_000)]
    public int SignInPermitLimit { get; set; } = 10;

    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan SignInWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Failed sign-ins to one account from one client address within <see cref="LockoutDuration"/> that lock that address out of it.</summary>
    [Range(1, 100)]
    public int FailuresPerAddress { get; set; } = 5;

    /// <summary>Failed sign-ins to one account from all addresses within <see cref="LockoutDuration"/> that lock the account everywhere.</summary>
    [Range(1, 10_000)]
    public int FailuresPerAccount { get; set; } = 20;

    /// <summary>How long a lockout lasts, and the window in which failures count towards one.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);
}
