using System.Security.Claims;
using Ferry.Engine.Control;
using Ferry.Portal.Security;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Ferry.Portal.Users;

/// <summary>One portal user as the Users page shows it.</summary>
public sealed record UserRow(string Id, string UserName, string? Email, string Role, DateTimeOffset? LockedOutUntil);

/// <summary>
/// Manages portal users and their role. Every method checks that the caller is an Admin (the page's attribute is not the
/// only guard) and writes an audit entry. Passwords are generated and returned once; they are never stored in clear.
/// </summary>
public sealed class UserAdministration(
    IServiceScopeFactory scopes, IDbContextFactory<ControlDbContext> contexts, SignInLockout lockout, TimeProvider time)
{
    public async Task<IReadOnlyList<UserRow>> ListAsync(ClaimsPrincipal caller, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(caller, FerryRoles.Admin);
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
        var all = await users.Users.OrderBy(u => u.UserName).ToListAsync(cancellationToken);
        var rows = new List<UserRow>(all.Count);
        foreach (var user in all)
        {
            // Locked for everyone (Identity), or for the addresses that failed too often (ADR-011): Unlock lifts both.
            var lockedOut = new[] { user.LockoutEnd is { } end && end > time.GetUtcNow() ? end : null, lockout.LockedUntil(user.Id) }.Max();
            rows.Add(new UserRow(user.Id, user.UserName ?? "", user.Email, await RoleOfAsync(users, user), lockedOut));
        }
        return rows;
    }

    /// <summary>Creates a user with one role and a generated password, which is returned to show once.</summary>
    public async Task<string> CreateAsync(ClaimsPrincipal caller, string userName, string? email, string role, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(caller, FerryRoles.Admin);
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
        RequireKnownRole(role);
        var password = FirstAdmin.NewPassword();
        var user = new IdentityUser(userName.Trim()) { Email = string.IsNullOrWhiteSpace(email) ? null : email.Trim() };
        Check(await users.CreateAsync(user, password));
        Check(await users.AddToRoleAsync(user, role));
        await AuditAsync(caller, "create", user.Id, null, new { user.UserName, user.Email, role }, cancellationToken);
        return password;
    }

    public async Task SetRoleAsync(ClaimsPrincipal caller, string userId, string role, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(caller, FerryRoles.Admin);
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
        RequireKnownRole(role);
        var user = await FindAsync(users, userId);
        var before = await RoleOfAsync(users, user);
        if (before == FerryRoles.Admin && role != FerryRoles.Admin)
        {
            await RequireAnotherAdminAsync(users, user);
        }
        Check(await users.RemoveFromRolesAsync(user, await users.GetRolesAsync(user)));
        Check(await users.AddToRoleAsync(user, role));
        Check(await users.UpdateSecurityStampAsync(user));
        await AuditAsync(caller, "set-role", user.Id, new { role = before }, new { role }, cancellationToken);
    }

    /// <summary>Gives the user a new generated password (returned to show once) and lifts its lockouts (every address).</summary>
    public async Task<string> ResetPasswordAsync(ClaimsPrincipal caller, string userId, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(caller, FerryRoles.Admin);
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
        var user = await FindAsync(users, userId);
        var password = FirstAdmin.NewPassword();
        var token = await users.GeneratePasswordResetTokenAsync(user);
        Check(await users.ResetPasswordAsync(user, token, password));
        Check(await users.SetLockoutEndDateAsync(user, null));
        Check(await users.ResetAccessFailedCountAsync(user));
        lockout.Forget(user.Id);
        await AuditAsync(caller, "reset-password", user.Id, null, null, cancellationToken);
        return password;
    }

    public async Task UnlockAsync(ClaimsPrincipal caller, string userId, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(caller, FerryRoles.Admin);
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
        var user = await FindAsync(users, userId);
        Check(await users.SetLockoutEndDateAsync(user, null));
        Check(await users.ResetAccessFailedCountAsync(user));
        lockout.Forget(user.Id);
        await AuditAsync(caller, "unlock", user.Id, null, null, cancellationToken);
    }

    public async Task DeleteAsync(ClaimsPrincipal caller, string userId, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(caller, FerryRoles.Admin);
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
        var user = await FindAsync(users, userId);
        if (string.Equals(users.GetUserId(caller), user.Id, StringComparison.Ordinal))
        {
            throw new InvalidOperationException("You cannot delete yourself; ask another Admin.");
        }
        var role = await RoleOfAsync(users, user);
        if (role == FerryRoles.Admin)
        {
            await RequireAnotherAdminAsync(users, user);
        }
        Check(await users.DeleteAsync(user));
        await AuditAsync(caller, "delete", user.Id, new { user.UserName, role }, null, cancellationToken);
    }

    private static async Task<IdentityUser> FindAsync(UserManager<IdentityUser> users, string userId) =>
        await users.FindByIdAsync(userId) ?? throw new InvalidOperationException("That user no longer exists.");

    private static async Task<string> RoleOfAsync(UserManager<IdentityUser> users, IdentityUser user)
    {
        var roles = await users.GetRolesAsync(user);
        return FerryRoles.All.LastOrDefault(roles.Contains) ?? "(none)";
    }

    private static async Task RequireAnotherAdminAsync(UserManager<IdentityUser> users, IdentityUser user)
    {
        var admins = await users.GetUsersInRoleAsync(FerryRoles.Admin);
        if (admins.All(a => a.Id == user.Id))
        {
            throw new InvalidOperationException($"'{user.UserName}' is the last Admin; make someone else Admin first.");
        }
    }

    private static void RequireKnownRole(string role)
    {
        if (!FerryRoles.All.Contains(role))
        {
            throw new InvalidOperationException($"Unknown role '{role}'. Roles are {string.Join(", ", FerryRoles.All)}.");
        }
    }

    private static void Check(IdentityResult result)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(string.Join(" ", result.Errors.Select(e => e.Description)));
        }
    }

    private async Task AuditAsync(ClaimsPrincipal caller, string action, string userId, object? before, object? after, CancellationToken cancellationToken)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        context.AuditEntries.Add(new AuditEntry
        {
            At = time.GetUtcNow(),
            UserName = caller.Identity?.Name ?? "anonymous",
            Action = action,
            EntityType = "User",
            EntityId = userId,
            Before = before is null ? null : AuditEntry.Snapshot(before),
            After = after is null ? null : AuditEntry.Snapshot(after),
        });
        await context.SaveChangesAsync(cancellationToken);
    }
}
