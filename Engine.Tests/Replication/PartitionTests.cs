using Ferry.Engine.Tests.Support;
using static Ferry.Engine.Tests.Replication.ServiceScenario;

namespace Ferry.Engine.Tests.Replication;

/// <summary>
/// A partitioned source table replicates through its parent (issue 11, docs/decisions/ADR-014-exact-row-encoding.md): into
/// a plain target table, with rows moving between partitions, writes that name a partition, key changes, a partition
/// attached later with rows of its own, and truncates of one partition, of a sub-partitioned one, and of the parent.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class PartitionTests(ClusterFixture clusters)
{
    private const string Table = "part.events";
    private const string Columns = "region, id, v, note";

    public static TheoryData<int, int> Pairs => new() { { 13, 18 }, { 18, 13 } };

    [Theory]
    [MemberData(nameof(Pairs))]
    public async Task PartitionedTable_ReplicatesThroughItsParent_WhenRowsMoveBetweenPartitions(int sourceMajor, int targetMajor)
    {
        await using var scenario = await ServiceScenario.StartAsync(clusters, "partitions", sourceMajor, targetMajor,
            """
            CREATE SCHEMA part;
            CREATE TABLE part.events (id int, region text, v int, note text, PRIMARY KEY (region, id)) PARTITION BY LIST (region);
            CREATE TABLE part.events_eu PARTITION OF part.events FOR VALUES IN ('eu');
            CREATE TABLE part.events_us PARTITION OF part.events FOR VALUES IN ('us') PARTITION BY RANGE (id);
            CREATE TABLE part.events_us_low PARTITION OF part.events_us FOR VALUES FROM (MINVALUE) TO (1000);
            CREATE TABLE part.events_us_high PARTITION OF part.events_us FOR VALUES FROM (1000) TO (MAXVALUE);
            INSERT INTO part.events SELECT g, 'eu', g, 'row ' || g FROM generate_series(1, 100) g;
            """,
            "CREATE SCHEMA part; CREATE TABLE part.events (id int, region text, v int, note text, PRIMARY KEY (region, id));");
        await scenario.AddTableAsync(Table);
        await scenario.WaitOkAsync(Table);
        await scenario.WaitEqualAsync(Table, Table, Columns, "region, id");

        // What a new user tried: 50 rows moved from one list partition to another left 50 extra rows on the target.
        await ExecuteAsync(scenario.Source, "UPDATE part.events SET region = 'us' WHERE id <= 50");
        await scenario.WaitEqualAsync(Table, Table, Columns, "region, id");
        Assert.Equal(100L, await ScalarAsync<long>(scenario.Target, "SELECT count(*) FROM part.events"));

        // Writes that name a partition, and key changes inside one partition and across sub-partitions.
        await ExecuteAsync(scenario.Source, """
            UPDATE part.events_eu SET v = v + 1, note = note || ' (eu)';
            INSERT INTO part.events_us_high VALUES (5000, 'us', 1, 'straight into a partition');
            DELETE FROM part.events_us_low WHERE id = 50;
            UPDATE part.events SET id = id + 10 WHERE region = 'eu' AND id > 90;
            UPDATE part.events SET id = id + 2000 WHERE region = 'us' AND id <= 10;
            """);
        await scenario.WaitEqualAsync(Table, Table, Columns, "region, id");

        // A partition attached later, bringing rows no trigger saw, then written to.
        await ExecuteAsync(scenario.Source, """
            CREATE TABLE part.events_asia (LIKE part.events INCLUDING ALL);
            INSERT INTO part.events_asia SELECT g, 'asia', g, 'attached' FROM generate_series(1, 20) g;
            ALTER TABLE part.events ATTACH PARTITION part.events_asia FOR VALUES IN ('asia');
            UPDATE part.events SET v = -v WHERE region = 'asia' AND id <= 5;
            """);
        await scenario.WaitEqualAsync(Table, Table, Columns, "region, id");
        Assert.Equal(1L, await ScalarAsync<long>(scenario.Source,
            "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'part.events_asia'::regclass AND tgname LIKE 'ferry%ptrunc'"));

        // Truncates: one partition, a sub-partitioned one, then the whole table.
        await ExecuteAsync(scenario.Source, "TRUNCATE part.events_eu");
        await scenario.WaitEqualAsync(Table, Table, Columns, "region, id");
        await ExecuteAsync(scenario.Source, "TRUNCATE part.events_us");
        await scenario.WaitEqualAsync(Table, Table, Columns, "region, id");
        Assert.Equal(20L, await ScalarAsync<long>(scenario.Target, "SELECT count(*) FROM part.events"));
        await ExecuteAsync(scenario.Source, "TRUNCATE part.events; INSERT INTO part.events VALUES (1, 'eu', 1, 'after the truncate')");
        await scenario.WaitEqualAsync(Table, Table, Columns, "region, id");
        Assert.Equal("Ok", (await scenario.WaitOkAsync(Table)).State);
    }
}
