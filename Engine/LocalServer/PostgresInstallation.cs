namespace Ferry.Engine.LocalServer;

/// <summary>One set of PostgreSQL server programs (<c>initdb</c>, <c>pg_ctl</c>, <c>postgres</c>) of a known version.</summary>
/// <param name="Major">Major version, e.g. 15.</param>
/// <param name="Version">Full version as the server reports it, e.g. 15.18.</param>
/// <param name="BinDirectory">The folder holding the programs.</param>
public sealed record PostgresInstallation(int Major, string Version, string BinDirectory)
{
    public string InitDb => Path.Combine(BinDirectory, "initdb");

    public string PgCtl => Path.Combine(BinDirectory, "pg_ctl");

    public string Postgres => Path.Combine(BinDirectory, "postgres");

    public override string ToString() => $"PostgreSQL {Version} ({BinDirectory})";
}
