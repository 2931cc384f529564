namespace Ferry.Engine.Control;

/// <summary>An entity whose creation and last change times are set by <see cref="TimestampInterceptor"/> on save.</summary>
public interface ITimestamped
{
    DateTimeOffset CreatedAt { get; set; }

    DateTimeOffset UpdatedAt { get; set; }
}
