using System.Globalization;
using System.Text.RegularExpressions;

namespace Ferry.Engine.Rules;

/// <summary>
/// Whether a target column of the same base type as its source column but another type modifier (<c>numeric(10,2)</c> for
/// <c>numeric(12,4)</c>) would change values without an error: numeric scale and precision, fractional seconds, interval
/// fields, and blank-padded lengths do. Narrower lengths of character varying and bit varying raise an error on the value
/// that does not fit, which stops the subscription loudly, so they are left to the operator.
/// </summary>
public static partial class TypeFit
{
    /// <summary>Why the target type would change source values silently, or null when it would not.</summary>
    public static string? SilentLoss(string sourceType, string targetType)
    {
        ArgumentNullException.ThrowIfNull(sourceType);
        ArgumentNullException.ThrowIfNull(targetType);
        if (sourceType == targetType)
        {
            return null;
        }
        var source = Modifiers(sourceType);
        var target = Modifiers(targetType);
        if (sourceType.StartsWith("numeric", StringComparison.Ordinal))
        {
            if (target.Count == 0)
            {
                return null;
            }
            if (source.Count == 0)
            {
                return "it rounds values that have more digits";
            }
            int p = source[0], s = source.ElementAtOrDefault(1), tp = target[0], ts = target.ElementAtOrDefault(1);
            return ts >= s && tp - ts >= p - s ? null : "it rounds or refuses values the source can hold";
        }
        if (sourceType.StartsWith("character(", StringComparison.Ordinal) || sourceType.StartsWith("bit(", StringComparison.Ordinal))
        {
            return "the length differs (values are padded or refused)";
        }
        if (sourceType.StartsWith("interval", StringComparison.Ordinal) && Fields(sourceType) != Fields(targetType))
        {
            return "its interval fields differ (parts of values are dropped)";
        }
        if (sourceType.StartsWith("time", StringComparison.Ordinal) || sourceType.StartsWith("interval", StringComparison.Ordinal))
        {
            var precision = source.Count == 0 ? 6 : source[^1];
            var targetPrecision = target.Count == 0 ? 6 : target[^1];
            return targetPrecision >= precision ? null : "it rounds fractional seconds";
        }
        return null;
    }

    private static List<int> Modifiers(string type)
    {
        var match = ModifierPattern().Match(type);
        return match.Success
            ? [.. match.Groups[1].Value.Split(',').Select(v => int.Parse(v.Trim(), CultureInfo.InvariantCulture))]
            : [];
    }

    private static string Fields(string type) => FieldsPattern().Replace(type.Replace("interval", "", StringComparison.Ordinal), "").Trim();

    [GeneratedRegex(@"\(([0-9, ]+)\)")]
    private static partial Regex ModifierPattern();

    [GeneratedRegex(@"\([0-9, ]+\)")]
    private static partial Regex FieldsPattern();
}
