using System.Diagnostics;
using Ferry.Engine.Control;
using Ferry.Engine.Monitoring;
using Ferry.Engine.Nodes;
using Ferry.Engine.Replication.Status;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Ferry.Engine.Alerts;

/// <summary>What a round did: whether it ran, the enabled rules, the open (pending or firing) alerts after it, the notices sent.</summary>
public sealed record AlertRound(bool Ran, int Rules, int Open, int Notices)
{
    public static readonly AlertRound Skipped = new(false, 0, 0, 0);
}
