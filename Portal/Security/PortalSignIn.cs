using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Ferry.Portal.Security;

/// <summary>
/// Checks a user name and password for both doors, the login page and <c>POST /api/auth/token</c>, with lockout keyed by
/// account and client address (<see cref="SignInLockout"/>; <c>docs/decisions/ADR-013-sign-in-limits.md</c>). It only
/// checks: the caller signs the user in with its own scheme (cookie or bearer token).
/// </summary>
public sealed partial class PortalSignIn(
    SignInManager<IdentityUser> signIn,
    SignInLockout lockout,
    IOptions<SecurityOptions> options,
    TimeProvider time,
    ILogger<PortalSignIn> logger)
{
    public const string WrongPassword = "Wrong user name or password.";

    /// <summary>A hash to verify against when the user does not exist, so that answer takes as long as a wrong password.</summary>
    private static readonly Lazy<string> UnknownUserHash = new(() =>
        new PasswordHasher<IdentityUser>().HashPassword(new IdentityUser(), Guid.NewGuid().ToString()));

    public async Task<SignInOutcome> CheckAsync(string userName, string password, string clientAddress)
    {
        var users = signIn.UserManager;
        var user = await users.FindByNameAsync(userName);
        if (user is null)
        {
            users.PasswordHasher.VerifyHashedPassword(new IdentityUser(), UnknownUserHash.Value, password);
            return new SignInOutcome(null, WrongPassword);
        }
        var minutes = (int)Math.Ceiling(options.Value.LockoutDuration.TotalMinutes);
        if (lockout.LockedOutFor(user.Id, clientAddress) is { } remaining)
        {
            return new SignInOutcome(null, AddressLockedOut((int)Math.Ceiling(remaining.TotalMinutes)));
        }
        var result = await signIn.CheckPasswordSignInAsync(user, password, lockoutOnFailure: false);
        if (result.Succeeded)
        {
            lockout.RecordSuccess(user.Id, clientAddress);
            return new SignInOutcome(user, null, await PasswordChange.IsRequiredAsync(users, user));
        }
        if (result.IsLockedOut)
        {
            return new SignInOutcome(null,
                $"This account is locked after repeated failed logins: try again in up to {minutes} minutes, or ask an Admin to unlock it.");
        }
        if (result.IsNotAllowed)
        {
            return new SignInOutcome(null, "This account may not sign in.");
        }
        var failure = lockout.RecordFailure(user.Id, clientAddress);
        if (failure.AccountLimitReached)
        {
            await users.SetLockoutEndDateAsync(user, time.GetUtcNow() + options.Value.LockoutDuration);
            LogAccountLocked(logger, user.UserName ?? userName, options.Value.FailuresPerAccount, minutes);
        }
        if (failure.AddressLockedOut)
        {
            LogAddressLocked(logger, user.UserName ?? userName, clientAddress, minutes);
            return new SignInOutcome(null, AddressLockedOut(minutes));
        }
        return new SignInOutcome(null, WrongPassword);
    }

    private static string AddressLockedOut(int minutes) =>
        $"This account is locked for your address after repeated failed logins: try again in {minutes} minutes, or ask an Admin to unlock it.";

    [LoggerMessage(2110, LogLevel.Warning, "Sign-ins to {UserName} from {ClientAddress} are locked out for {Minutes} minutes after repeated failures")]
    private static partial void LogAddressLocked(ILogger logger, string userName, string clientAddress, int minutes);

    [LoggerMessage(2111, LogLevel.Warning, "Account {UserName} is locked for {Minutes} minutes: {Failures} failed sign-ins from several addresses")]
    private static partial void LogAccountLocked(ILogger logger, string userName, int failures, int minutes);
}
