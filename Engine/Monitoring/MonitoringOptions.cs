using System.ComponentModel.DataAnnotations;

namespace Ferry.Engine.Monitoring;

/// <summary>Settings of the figures exported at <c>/metrics</c> (section <c>Monitoring</c>).</summary>
public sealed class MonitoringOptions
{
    public const string Section = "Monitoring";

    /// <summary>
    /// How often lag, pending events, table states and the queues' load are read from the nodes and the control database for
    /// the meters (each round reads every root once). Zero turns the reads off (the counters of the loops stay).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(15);
}
