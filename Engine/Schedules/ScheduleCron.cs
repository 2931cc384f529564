using Cronos;

namespace Ferry.Engine.Schedules;

/// <summary>
/// Reads a schedule's cron expression and time zone the way Hangfire will run it (Hangfire uses Cronos too): 5 fields,
/// or 6 with seconds first; an IANA time zone such as <c>Etc/UTC</c> or <c>Europe/Berlin</c>.
/// </summary>
public static class ScheduleCron
{
    /// <summary>Null when <paramref name="cron"/> is valid, else what is wrong with it.</summary>
    public static string? CronError(string? cron)
    {
        if (string.IsNullOrWhiteSpace(cron))
        {
            return "Enter a cron expression, e.g. '0 3 * * *' for every day at 03:00.";
        }
        try
        {
            Parse(cron);
            return null;
        }
        catch (CronFormatException e)
        {
            return $"'{cron.Trim()}' is not a valid cron expression: {e.Message}";
        }
    }

    /// <summary>Null when <paramref name="timeZone"/> is a known time zone id, else what is wrong with it.</summary>
    public static string? TimeZoneError(string? timeZone) =>
        string.IsNullOrWhiteSpace(timeZone) ? "Enter a time zone, e.g. 'Etc/UTC'."
        : TimeZoneInfo.TryFindSystemTimeZoneById(timeZone.Trim(), out _) ? null
        : $"Unknown time zone '{timeZone.Trim()}': use an IANA name such as 'Etc/UTC' or 'Europe/Berlin'.";

    public static TimeZoneInfo FindTimeZone(string timeZone) => TimeZoneInfo.FindSystemTimeZoneById(timeZone.Trim());

    /// <summary>The next <paramref name="count"/> times (in UTC offsets of the zone) the schedule fires after <paramref name="from"/>.</summary>
    public static IReadOnlyList<DateTimeOffset> NextOccurrences(string cron, string timeZone, DateTimeOffset from, int count)
    {
        var expression = Parse(cron);
        var zone = FindTimeZone(timeZone);
        var result = new List<DateTimeOffset>(count);
        var next = from;
        while (result.Count < count && expression.GetNextOccurrence(next, zone) is { } occurrence)
        {
            result.Add(occurrence);
            next = occurrence;
        }
        return result;
    }

    /// <summary>Every (time zone id) the server knows, for pickers.</summary>
    public static IReadOnlyList<string> TimeZoneIds() =>
        [.. TimeZoneInfo.GetSystemTimeZones().Select(z => z.Id).Order(StringComparer.Ordinal)];

    private static CronExpression Parse(string cron)
    {
        var trimmed = cron.Trim();
        var fields = trimmed.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        return CronExpression.Parse(trimmed, fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
    }
}
