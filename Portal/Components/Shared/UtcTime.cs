using System.Globalization;

namespace Ferry.Portal.Components.Shared;

/// <summary>
/// The one way the portal writes a point in time: ISO order, UTC, said so (<c>2026-12-03 21:40:28 UTC</c>). The server's
/// culture and time zone never decide what an operator reads, so two operators compare the same text.
/// </summary>
public static class UtcTime
{
    public static string Format(DateTimeOffset? at) =>
        at is { } value ? value.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture) : "—";

    public static string Format(DateTime at) =>
        Format(new DateTimeOffset(at.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(at, DateTimeKind.Utc) : at));
}
