using System.Security.Claims;

namespace Ferry.Engine.Control;

/// <summary>
/// The portal's three roles, each including the rights of the one before. The authorization policies carry the same
/// names: policy <see cref="Operator"/> admits Operators and Admins.
/// </summary>
public static class FerryRoles
{
    /// <summary>Reads everything.</summary>
    public const string Viewer = nameof(Viewer);

    /// <summary>Also changes replication: sets, subscriptions, tables, resyncs, schedules.</summary>
    public const string Operator = nameof(Operator);

    /// <summary>Also manages nodes, users and the job dashboard.</summary>
    public const string Admin = nameof(Admin);

    /// <summary>Every role, lowest first.</summary>
    public static readonly IReadOnlyList<string> All = [Viewer, Operator, Admin];

    /// <summary>The roles that hold at least the rights of <paramref name="role"/>.</summary>
    public static string[] AtLeast(string role)
    {
        var index = IndexOf(role);
        return [.. All.Skip(index)];
    }

    /// <summary>True when <paramref name="user"/> holds <paramref name="role"/> or a higher one.</summary>
    public static bool Allows(ClaimsPrincipal user, string role) =>
        user.Identity?.IsAuthenticated == true && AtLeast(role).Any(user.IsInRole);

    /// <summary>The service-layer check: throws <see cref="AccessDeniedException"/> unless <paramref name="user"/> may act as <paramref name="role"/>.</summary>
    public static void Demand(ClaimsPrincipal user, string role)
    {
        if (!Allows(user, role))
        {
            throw new AccessDeniedException(
                $"'{user.Identity?.Name ?? "anonymous"}' may not do this: it needs the role {role} or higher.");
        }
    }

    private static int IndexOf(string role)
    {
        for (var i = 0; i < All.Count; i++)
        {
            if (string.Equals(All[i], role, StringComparison.Ordinal))
            {
                return i;
            }
        }
        throw new ArgumentException($"Unknown role '{role}'.", nameof(role));
    }
}
