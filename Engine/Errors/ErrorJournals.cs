using Ferry.Engine.Control;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Ferry.Engine.Errors;

/// <summary>Makes the <see cref="SubscriptionErrorJournal"/> of a subscription (the subscription runner takes one per run).</summary>
public sealed class ErrorJournals(
    IDbContextFactory<ControlDbContext> contexts, IOptions<ErrorsOptions> options, TimeProvider time, ILogger<SubscriptionErrorJournal> logger)
{
    public SubscriptionErrorJournal For(int subscriptionId) => new(contexts, subscriptionId, options.Value, time, logger);
}
