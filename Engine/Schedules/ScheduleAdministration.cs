using System.Globalization;
using System.Security.Claims;
using Ferry.Engine.Control;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Ferry.Engine.Schedules;

/// <summary>A subscription a schedule can target, with its tables, for the schedule editor.</summary>
public sealed record ScheduleTarget(int SubscriptionId, string Name, IReadOnlyList<(int Id, string Name)> Tables);

/// <summary>
/// Creates, changes and deletes schedules (Operator or higher; Viewers list them), keeps their Hangfire recurring
/// jobs in step through <see cref="IScheduleRegistry"/>, and audits every change.
/// </summary>
public sealed class ScheduleAdministration(
    IDbContextFactory<ControlDbContext> contexts, IScheduleRegistry registry, TimeProvider time)
{
    /// <summary>How many next occurrences a schedule shows.</summary>
    public const int OccurrencesShown = 5;

    private const string EntityType = nameof(Schedule);

    public async Task<IReadOnlyList<ScheduleView>> ListAsync(ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Viewer);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var schedules = await Query(context).OrderBy(s => s.Name).ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. schedules.Select(ToView)];
    }

    public async Task<ScheduleView> GetAsync(ClaimsPrincipal user, int id, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Viewer);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        return ToView(await FindAsync(context, id, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>The subscriptions (and their tables) a schedule may target.</summary>
    public async Task<IReadOnlyList<ScheduleTarget>> TargetsAsync(ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Viewer);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var subscriptions = await context.Subscriptions.AsNoTracking().Include(s => s.Set).Include(s => s.TargetNode).Include(s => s.Tables)
            .OrderBy(s => s.Id).ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. subscriptions.Select(s => new ScheduleTarget(
            s.Id, SubscriptionName(s), [.. s.Tables.OrderBy(t => t.Id).Select(t => (t.Id, TableName(t)))]))];
    }

    public async Task<ScheduleView> CreateAsync(ClaimsPrincipal user, ScheduleInput input, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Operator);
        var clean = Validate(input);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await CheckTargetsAsync(context, clean, null, cancellationToken).ConfigureAwait(false);
        var schedule = new Schedule { Name = clean.Name, Cron = clean.Cron };
        Apply(schedule, clean);
        await using var transaction = await context.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        context.Schedules.Add(schedule);
        await SaveAsync(context, cancellationToken).ConfigureAwait(false);
        Audit.Add(context, user, time.GetUtcNow(), "create", EntityType, Id(schedule), null, Audited(schedule));
        await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        var view = ToView(await FindAsync(context, schedule.Id, cancellationToken).ConfigureAwait(false));
        registry.Register(view);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return view;
    }

    public async Task<ScheduleView> UpdateAsync(ClaimsPrincipal user, int id, ScheduleInput input, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Operator);
        var clean = Validate(input);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var schedule = await FindAsync(context, id, cancellationToken).ConfigureAwait(false);
        await CheckTargetsAsync(context, clean, id, cancellationToken).ConfigureAwait(false);
        var before = Audited(schedule);
        Apply(schedule, clean);
        Audit.Add(context, user, time.GetUtcNow(), "update", EntityType, Id(schedule), before, Audited(schedule));
        await SaveAsync(context, cancellationToken).ConfigureAwait(false);
        var view = ToView(await FindAsync(context, id, cancellationToken).ConfigureAwait(false));
        registry.Register(view);
        return view;
    }

    public async Task DeleteAsync(ClaimsPrincipal user, int id, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Operator);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var schedule = await FindAsync(context, id, cancellationToken).ConfigureAwait(false);
        context.Schedules.Remove(schedule);
        Audit.Add(context, user, time.GetUtcNow(), "delete", EntityType, Id(schedule), Audited(schedule), null);
        await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        registry.Remove(id);
    }

    /// <summary>Trims the fields, or throws <see cref="RequestRefusedException"/> with every problem found.</summary>
    public static ScheduleInput Validate(ScheduleInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        string?[] errors =
        [
            string.IsNullOrWhiteSpace(input.Name) ? "Enter a name for the schedule."
                : input.Name.Trim().Length > 100 ? "The name is longer than 100 characters." : null,
            ScheduleCron.CronError(input.Cron),
            ScheduleCron.TimeZoneError(input.TimeZone),
            !Enum.IsDefined(input.Kind) ? $"Unknown kind '{input.Kind}'." : null,
            input.Kind == ScheduleKind.ResyncTable && input.TableRuleId is null ? "A table resync needs the table to copy again." : null,
            input.Kind == ScheduleKind.ResyncSubscription && input.TableRuleId is not null
                ? "A subscription resync copies every table: leave the table empty." : null,
            input.Kind == ScheduleKind.CompareTable && input.TableRuleId is null ? "A table compare needs the table to compare." : null,
            input.Kind == ScheduleKind.Compare && input.TableRuleId is not null
                ? "A subscription compare compares every table: leave the table empty." : null,
            input.RepairAfter && input.Kind is not (ScheduleKind.Compare or ScheduleKind.CompareTable)
                ? "Only a compare schedule can repair after it: turn repair off for a resync." : null,
        ];
        var found = errors.Where(e => e is not null).ToList();
        if (found.Count > 0)
        {
            throw new RequestRefusedException(string.Join(" ", found));
        }
        return input with { Name = input.Name.Trim(), Cron = input.Cron.Trim(), TimeZone = input.TimeZone.Trim() };
    }

    private static async Task CheckTargetsAsync(ControlDbContext context, ScheduleInput input, int? exceptId, CancellationToken cancellationToken)
    {
        if (!await context.Subscriptions.AnyAsync(s => s.Id == input.SubscriptionId, cancellationToken).ConfigureAwait(false))
        {
            throw new RequestRefusedException($"There is no subscription with id {input.SubscriptionId}.");
        }
        if (input.TableRuleId is { } tableId && !await context.TableRules
                .AnyAsync(t => t.Id == tableId && t.SubscriptionId == input.SubscriptionId, cancellationToken).ConfigureAwait(false))
        {
            throw new RequestRefusedException($"Subscription {input.SubscriptionId} has no table with id {tableId}.");
        }
        if (await context.Schedules.AnyAsync(s => s.Name == input.Name && s.Id != exceptId, cancellationToken).ConfigureAwait(false))
        {
            throw new RequestRefusedException($"A schedule named '{input.Name}' already exists; choose another name.", isConflict: true);
        }
    }

    private static void Apply(Schedule schedule, ScheduleInput input)
    {
        schedule.Name = input.Name;
        schedule.Cron = input.Cron;
        schedule.TimeZone = input.TimeZone;
        schedule.Kind = input.Kind;
        schedule.SubscriptionId = input.SubscriptionId;
        schedule.TableRuleId = input.TableRuleId;
        schedule.Enabled = input.Enabled;
        schedule.RepairAfter = input.RepairAfter;
    }

    private static async Task SaveAsync(ControlDbContext context, CancellationToken cancellationToken)
    {
        try
        {
            await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            throw new RequestRefusedException("A schedule with that name already exists; choose another name.", isConflict: true);
        }
    }

    private static IQueryable<Schedule> Query(ControlDbContext context) =>
        context.Schedules.AsNoTracking()
            .Include(s => s.Subscription).ThenInclude(s => s!.Set)
            .Include(s => s.Subscription).ThenInclude(s => s!.TargetNode)
            .Include(s => s.TableRule);

    private static async Task<Schedule> FindAsync(ControlDbContext context, int id, CancellationToken cancellationToken) =>
        await context.Schedules
            .Include(s => s.Subscription).ThenInclude(s => s!.Set)
            .Include(s => s.Subscription).ThenInclude(s => s!.TargetNode)
            .Include(s => s.TableRule)
            .FirstOrDefaultAsync(s => s.Id == id, cancellationToken).ConfigureAwait(false)
        ?? throw new EntityNotFoundException($"There is no schedule with id {id}.");

    private ScheduleView ToView(Schedule s) => new(
        s.Id, s.Name, s.Cron, s.TimeZone, s.Kind, s.SubscriptionId,
        s.Subscription is null ? $"#{s.SubscriptionId}" : SubscriptionName(s.Subscription),
        s.TableRuleId, s.TableRule is null ? null : TableName(s.TableRule), s.Enabled,
        s.Enabled ? ScheduleCron.NextOccurrences(s.Cron, s.TimeZone, time.GetUtcNow(), OccurrencesShown) : [],
        s.CreatedAt, s.UpdatedAt, s.RepairAfter);

    private static string SubscriptionName(Subscription s) =>
        $"{s.Set?.Name ?? "#" + s.SetId} → {s.TargetNode?.Name ?? "#" + s.TargetNodeId}";

    private static string TableName(TableRuleRecord t) => $"{t.SourceSchema}.{t.SourceTable}";

    private static string Id(Schedule s) => s.Id.ToString(CultureInfo.InvariantCulture);

    private static object Audited(Schedule s) =>
        new { s.Name, s.Cron, s.TimeZone, Kind = s.Kind.ToString(), s.SubscriptionId, s.TableRuleId, s.Enabled, s.RepairAfter };
}
