using System.ComponentModel.DataAnnotations;

namespace Ferry.Engine.Alerts;

/// <summary>Settings of alert evaluation and delivery (section <c>Alerts</c>).</summary>
public sealed class AlertOptions
{
    public const string Section = "Alerts";

    /// <summary>When the recurring evaluation job runs (cron, UTC): every minute by default.</summary>
    [Required]
    public string EvaluationCron { get; set; } = "* * * * *";

    /// <summary>How long one delivery (a webhook POST, an SMTP session) may take.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan DeliveryTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Resolved alerts older than this are deleted by the evaluation.</summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "3650.00:00:00")]
    public TimeSpan HistoryKept { get; set; } = TimeSpan.FromDays(90);
}
