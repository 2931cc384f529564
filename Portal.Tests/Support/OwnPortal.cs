namespace Ferry.Portal.Tests.Support;

/// <summary>
/// A portal of its own (its own test cluster and settings) beside the collection's, for tests that would disturb it:
/// stopping the control database, low sign-in limits. Use it as a class fixture of a test class in
/// <see cref="PortalCollection"/>.
/// </summary>
public abstract class OwnPortal : IAsyncLifetime
{
    // Hangfire logs through a process-wide provider that each portal host replaces with its own, and has no getter for it:
    // the collection's portal must get its own back when this one (and its logger factory) is gone.
    private static readonly System.Reflection.FieldInfo CurrentLogProvider = typeof(Hangfire.Logging.LogProvider)
        .GetFields(System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.NonPublic)
        .Single(f => f.FieldType == typeof(Hangfire.Logging.ILogProvider));

    private Hangfire.Logging.ILogProvider? _previousLogProvider;
    private TestPostgres? _postgres;
    private PortalFactory? _portal;

    public TestPostgres Postgres => _postgres ?? throw new InvalidOperationException("Not initialized.");

    public PortalFactory Portal => _portal ?? throw new InvalidOperationException("Not initialized.");

    /// <summary>Settings over the test defaults.</summary>
    protected virtual IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>();

    public virtual async ValueTask InitializeAsync()
    {
        _previousLogProvider = (Hangfire.Logging.ILogProvider?)CurrentLogProvider.GetValue(null);
        _postgres = await TestPostgres.StartAsync();
        _portal = new PortalFactory(_postgres.ConnectionStringFor("ferry_own_portal"), Settings);
        _portal.StartServer();
    }

    /// <inheritdoc cref="PortalFixture.NewClient(string?)"/>
    public HttpClient NewClient(string? from = null) => PortalFixture.NewClient(Portal.BaseAddress, from);

    public async ValueTask DisposeAsync()
    {
        if (_portal is not null)
        {
            await _portal.DisposeAsync();
        }
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }
        Hangfire.Logging.LogProvider.SetCurrentLogProvider(_previousLogProvider);
        GC.SuppressFinalize(this);
    }
}
