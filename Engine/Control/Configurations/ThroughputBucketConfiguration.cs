using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Ferry.Engine.Control.Configurations;

internal sealed class ThroughputBucketConfiguration : IEntityTypeConfiguration<ThroughputBucket>
{
    public void Configure(EntityTypeBuilder<ThroughputBucket> builder)
    {
        // The key is what the runner's upsert conflicts on (INSERT ... ON CONFLICT (subscription_id, bucket_start)).
        builder.HasKey(b => new { b.SubscriptionId, b.BucketStart });
        // The purge deletes by age across subscriptions.
        builder.HasIndex(b => b.BucketStart);
        // No navigation on Subscription: removing a subscription removes its buckets.
        builder.HasOne<Subscription>().WithMany().HasForeignKey(b => b.SubscriptionId).OnDelete(DeleteBehavior.Cascade);
    }
}
