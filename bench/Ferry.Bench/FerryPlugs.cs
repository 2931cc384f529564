using System.Reflection;
using System.Security.Claims;
using Ferry.Engine.Queue;
using Ferry.Engine.Replication;
using Ferry.Engine.Replication.Tables;
using Npgsql;

namespace Ferry.Bench;

/// <summary>
/// The plug points where Ferry's own engine enters the benchmarks. Each finds the engine's API by reflection, so the
/// harness compiles and runs before that code exists (its variants are then skipped with a clear line) and picks the
/// code up by itself once it is merged. The names looked for are those of the queue branch (issue 3):
/// <c>Ferry.Engine.Queue.QueueSchema.InstallAsync(NpgsqlDataSource, CancellationToken)</c>,
/// <c>Ferry.Engine.Queue.QueueAdmin(NpgsqlDataSource).TickAsync(queue, ct)</c> and
/// <c>Ferry.Engine.Consumers.QueueConsumer(NpgsqlDataSource, queue, consumer)</c>. If they change, change them here.
/// </summary>
internal static class FerryPlugs
{
    public const string CaptureMissing =
        "not available yet: Ferry.Engine.Queue.QueueSchema.InstallAsync (the ferry schema installer) is not in Engine";

    public const string ReaderMissing =
        "not available yet: Ferry.Engine.Consumers.QueueConsumer / QueueAdmin.TickAsync are not in Engine";

    private static readonly Assembly Engine = typeof(QueueEvent).Assembly;

    /// <summary>True when the engine has the schema installer (Ferry's capture can be measured).</summary>
    public static bool HasCapture => InstallMethod() is not null;

    private static MethodInfo? InstallMethod() => Engine.GetType("Ferry.Engine.Queue.QueueSchema")
        ?.GetMethod("InstallAsync", BindingFlags.Public | BindingFlags.Static, [typeof(NpgsqlDataSource), typeof(CancellationToken)]);

    /// <summary>
    /// Installs (or upgrades) Ferry's <c>ferry</c> schema into the database of <paramref name="connectionString"/> (the
    /// owner of the captured tables: Ferry needs no superuser) and returns true; false while the installer does not exist.
    /// </summary>
    public static async Task<bool> InstallSchemaAsync(string connectionString, CancellationToken ct)
    {
        var install = InstallMethod();
        if (install is null)
        {
            return false;
        }
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await (Task)install.Invoke(null, [dataSource, ct])!;
        return true;
    }

    /// <summary>
    /// SQL run (as the tables' owner) after <see cref="InstallSchemaAsync"/>: creates the queue and captures the seed's keyed
    /// tables. Capture is switched on and off between rounds by enabling/disabling the triggers whose function is in schema
    /// <c>ferry</c>.
    /// </summary>
    public static string EnableCaptureSql(string queue, IEnumerable<string> tables) =>
        $"SELECT ferry.create_queue('{queue}');\n" +
        string.Concat(tables.Select(t => $"SELECT ferry.enable_capture('{queue}', '{t}'::regclass);\n"));

    /// <summary>True when the engine has the consumer API the ticker and batch-reader benchmark calls.</summary>
    public static bool HasQueueReader
    {
        get
        {
            var admin = Engine.GetType("Ferry.Engine.Queue.QueueAdmin");
            var consumer = Engine.GetType("Ferry.Engine.Consumers.QueueConsumer");
            return admin?.GetMethod("TickAsync", [typeof(string), typeof(CancellationToken)]) is not null
                   && consumer?.GetConstructor([typeof(NpgsqlDataSource), typeof(string), typeof(string)]) is not null
                   && consumer.GetMethod("NextBatchAsync") is not null && consumer.GetMethod("ReadEventsAsync") is not null
                   && consumer.GetMethod("FinishBatchAsync") is not null;
        }
    }

    /// <summary>Ferry's consumer API on the source seed database, or null while it does not exist.</summary>
    public static IFerryQueueReader? CreateQueueReader(string connectionString) =>
        HasQueueReader
            ? new ReflectedQueueReader(connectionString, Engine.GetType("Ferry.Engine.Queue.QueueAdmin")!,
                Engine.GetType("Ferry.Engine.Consumers.QueueConsumer")!)
            : null;

    /// <summary>
    /// Issue 15: <c>TableRuleService.AddTablesAsync(ClaimsPrincipal, int subscriptionId, &lt;list of AddTableRequest&gt;,
    /// CancellationToken)</c>, one call that adds a list of tables; null while the service has none (tables1000 then adds
    /// them one call each, and its report says so).
    /// </summary>
    public static MethodInfo? AddTablesMethod { get; } = typeof(TableRuleService).GetMethods(BindingFlags.Public | BindingFlags.Instance)
        .FirstOrDefault(m => m.Name == "AddTablesAsync" && typeof(Task).IsAssignableFrom(m.ReturnType) && m.GetParameters() is
        [
            { ParameterType: var user }, { ParameterType: var id }, { ParameterType: var list }, { ParameterType: var token },
        ] && user == typeof(ClaimsPrincipal) && id == typeof(int) && token == typeof(CancellationToken)
          && (list.IsAssignableFrom(typeof(AddTableRequest[])) || list.IsAssignableFrom(typeof(List<AddTableRequest>))));

    public static async Task AddTablesAsync(
        TableRuleService service, ClaimsPrincipal user, int subscriptionId, AddTableRequest[] tables, CancellationToken ct)
    {
        var method = AddTablesMethod ?? throw new InvalidOperationException("TableRuleService has no AddTablesAsync.");
        object list = method.GetParameters()[2].ParameterType.IsAssignableFrom(typeof(AddTableRequest[])) ? tables : tables.ToList();
        await (Task)method.Invoke(service, [user, subscriptionId, list, ct])!;
    }

    /// <summary>QueueAdmin + QueueConsumer of the queue branch, called by reflection.</summary>
    private sealed class ReflectedQueueReader(string connectionString, Type adminType, Type consumerType) : IFerryQueueReader
    {
        private readonly NpgsqlDataSource _dataSource = NpgsqlDataSource.Create(connectionString);

        public Task RegisterConsumerAsync(string queue, string consumer, CancellationToken ct) =>
            Call(Consumer(queue, consumer), "RegisterAsync", ct);

        public Task UnregisterConsumerAsync(string queue, string consumer, CancellationToken ct) =>
            Call(Consumer(queue, consumer), "UnregisterAsync", ct);

        public Task TickAsync(string queue, CancellationToken ct) =>
            (Task)adminType.GetMethod("TickAsync", [typeof(string), typeof(CancellationToken)])!
                .Invoke(Activator.CreateInstance(adminType, _dataSource), [queue, ct])!;

        public async Task<long> ReadNextBatchAsync(string queue, string consumer, CancellationToken ct)
        {
            var c = Consumer(queue, consumer);
            var next = (Task)consumerType.GetMethod("NextBatchAsync")!.Invoke(c, [ct])!;
            await next;
            var batch = next.GetType().GetProperty("Result")!.GetValue(next)
                        ?? throw new BenchException("Ferry's NextBatchAsync returned no batch after a tick.");
            var read = consumerType.GetMethod("ReadEventsAsync")!;
            var events = (IAsyncEnumerable<QueueEvent>)read.Invoke(c, [batch, null, ct])!;
            long n = 0;
            await foreach (var e in events.WithCancellation(ct))
            {
                _ = e.Data;
                n++;
            }
            await (Task)consumerType.GetMethod("FinishBatchAsync")!.Invoke(c, [batch, ct])!;
            return n;
        }

        public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

        private object Consumer(string queue, string consumer) => Activator.CreateInstance(consumerType, _dataSource, queue, consumer)!;

        private Task Call(object target, string method, CancellationToken ct) =>
            (Task)consumerType.GetMethod(method, [typeof(CancellationToken)])!.Invoke(target, [ct])!;
    }
}

/// <summary>What the ticker and batch-reader benchmark needs from Ferry's consumer API (issue 3, point 5).</summary>
internal interface IFerryQueueReader : IAsyncDisposable
{
    /// <summary>Register a consumer at the queue's newest tick.</summary>
    Task RegisterConsumerAsync(string queue, string consumer, CancellationToken ct);

    /// <summary>Close a tick now (whatever the ticker's thresholds say).</summary>
    Task TickAsync(string queue, CancellationToken ct);

    /// <summary>Take the consumer's next batch, stream every event of it to the client, finish it; returns the number of events.</summary>
    Task<long> ReadNextBatchAsync(string queue, string consumer, CancellationToken ct);

    Task UnregisterConsumerAsync(string queue, string consumer, CancellationToken ct);
}
