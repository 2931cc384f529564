using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Ferry.Engine.Alerts;
using Ferry.Engine.Control;
using Ferry.Engine.Demo;
using Ferry.Engine.Nodes;
using Ferry.Engine.Queue;
using Ferry.Engine.Replication.Sets;
using Ferry.Engine.Replication.Status;
using Ferry.Engine.Replication.Subscriptions;
using Ferry.Engine.Replication.Tables;
using Ferry.Engine.Target;
using Ferry.Portal.Tests.Replication;
using Ferry.Portal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using netDumbster.smtp;

using static Ferry.Portal.Tests.Replication.SeedReplication;

namespace Ferry.Portal.Tests.Alerts;

/// <summary>
/// Each alert kind, brought about for real while the seed workload replicates inside the portal, fires once, repeats at its
/// interval while it holds, and resolves once, on a webhook (Ferry's JSON and Slack's body, to a receiver the test starts) and
/// by e-mail (to an SMTP sink the test starts): lag and pending events behind a lock held on the target, a pause, a paused
/// ticker, an error planted on the target, a node that does not answer, and a compare that found differences.
/// </summary>
[Collection(ReplicationPortalCollection.Name)]
public sealed class AlertRulesTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Repeat = TimeSpan.FromSeconds(3);
    private static readonly ClaimsPrincipalHolder Admin = new(FerryRoles.Admin);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EachRule_FiresRepeatsAndResolvesOnce_OnTheWebhookAndByEmail()
    {
        await using var postgres = await TestPostgres.StartAsync();
        var superuser = postgres.Cluster.ConnectionString();
        var sourceCs = await SeedScenario.CreateSourceAsync(superuser, "alerts_src", "digoal_01", "pw1", 1000, Token);
        var targetCs = await SeedScenario.CreateTargetAsync(superuser, "alerts_t", "digoal_02", "pw2", allTables: false, Token);
        var keys = Path.Combine(Path.GetTempPath(), $"ferry-alerts-keys-{Guid.NewGuid():N}");
        await using var source = NpgsqlDataSource.Create(sourceCs);
        await using var target = NpgsqlDataSource.Create(targetCs);
        await using var cluster = NpgsqlDataSource.Create(superuser);
        await using var webhook = await WebhookReceiver.StartAsync();
        using var smtp = SimpleSmtpServer.Start();
        using var stop = new CancellationTokenSource();
        Task<long>? workload = null;
        try
        {
            await using var portal = new ReplicationPortalFactory(postgres.ConnectionStringFor("ferry_alerts_control"), keys);
            var services = portal.Services;
            var sets = services.GetRequiredService<SetService>();
            var replication = services.GetRequiredService<SubscriptionService>();
            var tables = services.GetRequiredService<TableRuleService>();
            var alerts = services.GetRequiredService<AlertAdministration>();
            var set = await sets.CreateSetAsync(Operator, "alerts", await AddNodeAsync(services, "source", sourceCs), Token);
            var subscription = await replication.SubscribeAsync(Operator, set.Id, await AddNodeAsync(services, "target", targetCs), Token);
            var session = await tables.AddTableAsync(Operator, subscription.Id,
                new AddTableRequest("digoal_01.user_session", "digoal_02.user_session"), Token);
            workload = WorkloadAsync(source, 11, stop.Token);
            var status = services.GetRequiredService<ReplicationStatusQuery>();
            await WaitAsync(status, s => s.Tables.All(t => t.State == nameof(TableState.Ok)) && s.LagSeconds < 5, "caught up");

            // The default rules (made by the migration) are replaced by quick ones; channels: Ferry's JSON, Slack, e-mail.
            var defaults = await alerts.ListRulesAsync(Admin.User, Token);
            Assert.Equal(7, defaults.Count);
            Assert.Equal(Enum.GetValues<AlertKind>().Order(), defaults.Select(r => r.Kind).Order());
            foreach (var rule in defaults)
            {
                await alerts.DeleteRuleAsync(Admin.User, rule.Id, Token);
            }
            await alerts.CreateChannelAsync(Admin.User, Webhook("json", new Uri(webhook.Address, "/json"), WebhookFormat.Json), Token);
            await alerts.CreateChannelAsync(Admin.User, Webhook("slack", new Uri(webhook.Address, "/slack"), WebhookFormat.Slack), Token);
            await alerts.CreateChannelAsync(Admin.User, new AlertChannelInput("mail", AlertChannelKind.Email, true, null, WebhookFormat.Json,
                "127.0.0.1", smtp.Configuration.Port, SmtpSecurity.None, null, null, "ferry@example.org", ["dba@example.org"]), Token);
            var checks = new Phase(services, webhook, smtp, output);

            // Lag and pending events: a lock held on the target table stops the apply loop (the subscription stays active).
            var lag = await alerts.CreateRuleAsync(Admin.User, Rule("lag", AlertKind.Lag, 2, holdFor: 1), Token);
            // 40, not fewer: with the workload running, a loaded machine leaves a dozen events pending between batches, and a
            // lower threshold fired again after the resolve (seen once in a full run).
            var pending = await alerts.CreateRuleAsync(Admin.User, Rule("pending", AlertKind.PendingEvents, 40), Token);
            await using (var blocker = await target.OpenConnectionAsync(Token))
            {
                await using var transaction = await blocker.BeginTransactionAsync(Token);
                await using (var lockTable = new NpgsqlCommand("LOCK TABLE digoal_02.user_session IN ACCESS EXCLUSIVE MODE", blocker, transaction))
                {
                    await lockTable.ExecuteNonQueryAsync(Token);
                }
                await checks.FiresAndRepeatsAsync("lag", "pending");
                await transaction.RollbackAsync(Token);
            }
            await checks.ResolvesAsync("lag", "pending");
            await Disable(alerts, lag);
            await Disable(alerts, pending);

            // Paused longer than 1 s.
            var paused = await alerts.CreateRuleAsync(Admin.User, Rule("paused", AlertKind.Paused, 1), Token);
            await replication.PauseAsync(Operator, subscription.Id, Token);
            await checks.FiresAndRepeatsAsync("paused");
            await replication.ResumeAsync(Operator, subscription.Id, Token);
            await checks.ResolvesAsync("paused");
            await Disable(alerts, paused);

            // The ticker does not tick (paused on the root).
            var ticker = await alerts.CreateRuleAsync(Admin.User, Rule("ticker", AlertKind.TickerStalled, 3), Token);
            var queue = new QueueAdmin(source);
            await queue.ConfigureAsync(set.QueueName, new QueueSettings(TickerPaused: true), Token);
            await checks.FiresAndRepeatsAsync("ticker");
            await queue.ConfigureAsync(set.QueueName, new QueueSettings(TickerPaused: false), Token);
            await checks.ResolvesAsync("ticker");
            await Disable(alerts, ticker);

            // An error: a constraint planted on the target refuses the next update and stops the table; fixed and retried, it clears.
            var error = await alerts.CreateRuleAsync(Admin.User, Rule("error", AlertKind.Error, 0), Token);
            await Execute(target, "ALTER TABLE digoal_02.user_session ADD CONSTRAINT planted CHECK (login_count < 0) NOT VALID");
            await checks.FiresAndRepeatsAsync("error");
            Assert.Contains("planted", (await alerts.ListOpenAsync(Admin.User, Token)).Single(a => a.RuleName == "error").Message,
                StringComparison.Ordinal);
            await Execute(target, "ALTER TABLE digoal_02.user_session DROP CONSTRAINT planted");
            await tables.RetryTableAsync(Operator, subscription.Id, session.Id, Token);
            await checks.ResolvesAsync("error");
            await Disable(alerts, error);

            // A node that does not answer (nothing listens on its port); once it is deleted, its alert resolves.
            var unreachable = await alerts.CreateRuleAsync(Admin.User, Rule("node", AlertKind.NodeUnreachable, 0), Token);
            var ghost = await AddNodeAsync(services, "ghost",
                new NpgsqlConnectionStringBuilder(targetCs) { Port = FreePort() }.ConnectionString, install: false);
            await checks.FiresAndRepeatsAsync("node");
            await using (var context = await services.GetRequiredService<IDbContextFactory<ControlDbContext>>().CreateDbContextAsync(Token))
            {
                await context.Nodes.Where(n => n.Id == ghost).ExecuteDeleteAsync(Token);
            }
            await checks.ResolvesAsync("node");
            await Disable(alerts, unreachable);

            // A compare that found differences (as compare and repair will record it), then a clean compare.
            await alerts.CreateRuleAsync(Admin.User, Rule("compare", AlertKind.CompareDifferences, 0), Token);
            await SetCompareAsync(services, session.Id, 3);
            await checks.FiresAndRepeatsAsync("compare");
            await SetCompareAsync(services, session.Id, 0);
            await checks.ResolvesAsync("compare");

            // Every notice reached every channel: the Slack body is {"text": ...}.
            var slack = webhook.Received.Where(r => r.Path == "/slack").Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("text").GetString()!).ToList();
            Assert.Equal(webhook.Received.Count(r => r.Path == "/json"), slack.Count);
            Assert.Contains(slack, t => t.Contains("*RESOLVED: compare", StringComparison.Ordinal));
            var past = await alerts.ListHistoryAsync(Admin.User, 100, Token);
            Assert.Equal(["compare", "error", "lag", "node", "paused", "pending", "ticker"], past.Select(a => a.RuleName).Order());
            Assert.All(past, a => Assert.True(a.Notifications >= 3, $"{a.RuleName}: {a.Notifications} notices"));
            Assert.Empty(await alerts.ListOpenAsync(Admin.User, Token));
        }
        finally
        {
            await stop.CancelAsync();
            if (workload is not null)
            {
                await workload;
            }
            if (Directory.Exists(keys))
            {
                Directory.Delete(keys, recursive: true);
            }
        }
    }

    private static AlertRuleInput Rule(string name, AlertKind kind, double threshold, double holdFor = 0) =>
        new(name, kind, threshold, holdFor, Repeat.TotalSeconds, true, []);

    private static AlertChannelInput Webhook(string name, Uri url, WebhookFormat format) =>
        new(name, AlertChannelKind.Webhook, true, url.ToString(), format, null, 587, SmtpSecurity.Auto, null, null, null, null);

    private static Task Disable(AlertAdministration alerts, AlertRuleView rule) => alerts.UpdateRuleAsync(Admin.User, rule.Id,
        new AlertRuleInput(rule.Name, rule.Kind, rule.Threshold, rule.HoldForSeconds, rule.RepeatEverySeconds, false, rule.ChannelIds), Token);

    private static async Task SetCompareAsync(IServiceProvider services, int tableRuleId, long rowsDiffering)
    {
        await using var context = await services.GetRequiredService<IDbContextFactory<ControlDbContext>>().CreateDbContextAsync(Token);
        // A finished compare report as the compare service writes it (docs/decisions/ADR-016-compare-and-repair.md).
        var rule = await context.TableRules.SingleAsync(t => t.Id == tableRuleId, Token);
        var now = DateTimeOffset.UtcNow;
        context.CompareReports.Add(new CompareReport
        {
            SubscriptionId = rule.SubscriptionId, TableRuleId = tableRuleId, State = CompareState.Done, RequestedBy = "test",
            StartedAt = now, FinishedAt = now, Different = rowsDiffering,
        });
        await context.SaveChangesAsync(Token);
    }

    private static async Task Execute(NpgsqlDataSource data, string sql)
    {
        await using var command = data.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(Token);
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A principal of one role, for calling the services as the portal's pages do.</summary>
    private sealed class ClaimsPrincipalHolder(string role)
    {
        public System.Security.Claims.ClaimsPrincipal User { get; } = new(new System.Security.Claims.ClaimsIdentity(
            [new System.Security.Claims.Claim(System.Security.Claims.ClaimTypes.Name, "alice"),
                new System.Security.Claims.Claim(System.Security.Claims.ClaimTypes.Role, role)], "test"));
    }

    /// <summary>Runs evaluation rounds (as the recurring job does) and checks what reached the channels, per rule.</summary>
    private sealed class Phase(IServiceProvider services, WebhookReceiver webhook, SimpleSmtpServer smtp, ITestOutputHelper output)
    {
        private readonly AlertEvaluator _evaluator = services.GetRequiredService<AlertEvaluator>();

        /// <summary>Rounds until each rule has fired, then until each has repeated at least once, at least its interval later.</summary>
        public async Task FiresAndRepeatsAsync(params string[] rules)
        {
            await RoundsUntilAsync(() => rules.All(r => Json(r, "firing", repeat: false).Count == 1), $"{string.Join(", ", rules)} fired");
            await RoundsUntilAsync(() => rules.All(r => Json(r, "firing", repeat: true).Count >= 1), $"{string.Join(", ", rules)} repeated");
            foreach (var rule in rules)
            {
                var sent = Json(rule, "firing", repeat: null).Select(n => n.GetProperty("sentAt").GetDateTimeOffset()).ToList();
                Assert.All(sent.Zip(sent.Skip(1)), p => Assert.True(p.Second - p.First >= Repeat - TimeSpan.FromMilliseconds(50),
                    $"{rule}: notices {p.First:O} and {p.Second:O} closer than the repeat interval"));
                Assert.Single(Json(rule, "firing", repeat: false));
                Assert.Single(Mails($"[Ferry] FIRING: {rule} "));
                Assert.Equal(Json(rule, "firing", repeat: true).Count, Mails($"[Ferry] STILL FIRING: {rule} ").Count);
                Assert.Empty(Json(rule, "resolved", repeat: false));
            }
        }

        /// <summary>Rounds until each rule has resolved; then one more round sends nothing more for them.</summary>
        public async Task ResolvesAsync(params string[] rules)
        {
            await RoundsUntilAsync(() => rules.All(r => Json(r, "resolved", repeat: false).Count == 1), $"{string.Join(", ", rules)} resolved");
            var before = rules.ToDictionary(r => r, r => Json(r, "firing", repeat: null).Count);
            await RoundAsync();
            foreach (var rule in rules)
            {
                Assert.Single(Json(rule, "resolved", repeat: false));
                Assert.Single(Json(rule, "firing", repeat: false));
                Assert.Equal(before[rule], Json(rule, "firing", repeat: null).Count);
                Assert.Single(Mails($"[Ferry] RESOLVED: {rule} "));
                Assert.Single(Mails($"[Ferry] FIRING: {rule} "));
            }
            output.WriteLine($"{string.Join(", ", rules)}: fired, repeated {string.Join("/", rules.Select(r => Json(r, "firing", true).Count))} time(s), resolved");
        }

        private async Task RoundsUntilAsync(Func<bool> done, string what)
        {
            var clock = Stopwatch.StartNew();
            while (!done())
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(90), $"not {what} within 90 s; open alerts: "
                    + string.Join("; ", (await services.GetRequiredService<AlertAdministration>().ListOpenAsync(Admin.User, Token))
                        .Select(a => $"{a.RuleName} {a.Status} {a.Message} {a.LastDeliveryError}")));
                await RoundAsync();
                await Task.Delay(300, Token);
            }
        }

        private async Task RoundAsync() => await _evaluator.EvaluateAsync(Token);

        private List<JsonElement> Json(string rule, string status, bool? repeat) => [.. webhook.Received
            .Where(r => r.Path == "/json")
            .Select(r => JsonDocument.Parse(r.Body).RootElement)
            .Where(n => n.GetProperty("rule").GetString() == rule && n.GetProperty("status").GetString() == status
                && (repeat is null || n.GetProperty("repeat").GetBoolean() == repeat))];

        private List<string> Mails(string subjectPrefix) => [.. smtp.ReceivedEmail
            .Select(m => MimeKit.Utils.Rfc2047.DecodeText(System.Text.Encoding.UTF8.GetBytes(m.Headers["Subject"] ?? "")))
            .Where(s => s.StartsWith(subjectPrefix, StringComparison.Ordinal))];
    }
}
