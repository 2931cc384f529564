using Microsoft.Extensions.Options;

namespace Ferry.Portal.Security;

/// <summary>
/// Failed sign-ins counted per account AND client address (<c>docs/decisions/ADR-013-sign-in-limits.md</c>): after
/// <see cref="SecurityOptions.FailuresPerAddress"/> failures within <see cref="SecurityOptions.LockoutDuration"/>, that
/// address may not sign in as that account for that long, while the account's owner elsewhere still can. When
/// <see cref="SecurityOptions.FailuresPerAccount"/> failures pile up from any addresses, <see cref="RecordFailure"/>
/// says so and the caller locks the account itself (Identity's lockout, which an Admin lifts on the Users page).
/// </summary>
/// <remarks>
/// In memory, like the rate limiter: per portal process, lost on restart (a restart lifts per-address lockouts, not
/// account lockouts). Only existing accounts are counted, each entry holds at most a few timestamps, and entries older
/// than the window are dropped as the table grows.
/// </remarks>
public sealed class SignInLockout(IOptionsMonitor<SecurityOptions> options, TimeProvider time)
{
    private const int PruneAbove = 10_000;

    private readonly Lock _gate = new();
    private readonly Dictionary<(string UserId, string Address), Entry> _pairs = [];
    private readonly Dictionary<string, Queue<DateTimeOffset>> _accounts = [];

    /// <summary>What one more failure led to.</summary>
    public readonly record struct Failure(bool AddressLockedOut, bool AccountLimitReached);

    /// <summary>How long <paramref name="address"/> is still locked out of the account; null when it is not.</summary>
    public TimeSpan? LockedOutFor(string userId, string address)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            return _pairs.TryGetValue((userId, address), out var entry) && entry.LockedUntil > now ? entry.LockedUntil - now : null;
        }
    }

    /// <summary>The latest end of the account's lockouts for single addresses, if one is on (the Users page shows it).</summary>
    public DateTimeOffset? LockedUntil(string userId)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            var ends = _pairs.Where(p => p.Key.UserId == userId && p.Value.LockedUntil > now).Select(p => p.Value.LockedUntil).ToList();
            return ends.Count > 0 ? ends.Max() : null;
        }
    }

    public Failure RecordFailure(string userId, string address)
    {
        var settings = options.CurrentValue;
        var now = time.GetUtcNow();
        var since = now - settings.LockoutDuration;
        lock (_gate)
        {
            if (_pairs.Count > PruneAbove)
            {
                Prune(since, now);
            }
            if (!_pairs.TryGetValue((userId, address), out var entry))
            {
                _pairs[(userId, address)] = entry = new Entry();
            }
            var addressLocked = Count(entry.Failures, now, since, settings.FailuresPerAddress) >= settings.FailuresPerAddress;
            if (addressLocked)
            {
                entry.LockedUntil = now + settings.LockoutDuration;
                entry.Failures.Clear();
            }
            if (!_accounts.TryGetValue(userId, out var account))
            {
                _accounts[userId] = account = new Queue<DateTimeOffset>();
            }
            var accountLimit = Count(account, now, since, settings.FailuresPerAccount) >= settings.FailuresPerAccount;
            if (accountLimit)
            {
                account.Clear();
            }
            return new Failure(addressLocked, accountLimit);
        }
    }

    /// <summary>A right password from this address: its failures for the account are forgotten.</summary>
    public void RecordSuccess(string userId, string address)
    {
        lock (_gate)
        {
            _pairs.Remove((userId, address));
        }
    }

    /// <summary>Forgets every failure and lockout of the account (an Admin unlocked it or gave it a new password).</summary>
    public void Forget(string userId)
    {
        lock (_gate)
        {
            foreach (var key in _pairs.Keys.Where(k => k.UserId == userId).ToList())
            {
                _pairs.Remove(key);
            }
            _accounts.Remove(userId);
        }
    }

    /// <summary>Adds a failure at <paramref name="now"/>, drops those before <paramref name="since"/>, returns how many are left.</summary>
    private static int Count(Queue<DateTimeOffset> failures, DateTimeOffset now, DateTimeOffset since, int keep)
    {
        failures.Enqueue(now);
        while (failures.Count > 0 && (failures.Peek() < since || failures.Count > keep))
        {
            failures.Dequeue();
        }
        return failures.Count;
    }

    private void Prune(DateTimeOffset since, DateTimeOffset now)
    {
        foreach (var key in _pairs.Where(p => p.Value.LockedUntil <= now && p.Value.Failures.All(f => f < since)).Select(p => p.Key).ToList())
        {
            _pairs.Remove(key);
        }
        foreach (var key in _accounts.Where(a => a.Value.All(f => f < since)).Select(a => a.Key).ToList())
        {
            _accounts.Remove(key);
        }
    }

    private sealed class Entry
    {
        public Queue<DateTimeOffset> Failures { get; } = new();

        public DateTimeOffset LockedUntil { get; set; }
    }
}
