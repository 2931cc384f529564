using Ferry.Engine.Copy.Internal;
using Ferry.Engine.Tests.Support;
using Npgsql;

namespace Ferry.Engine.Tests.Copy;

[Collection(ClusterCollection.Name)]
public sealed class BinaryCopyRowCounterTests(ClusterFixture clusters)
{
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(65536)]
    public async Task Feed_CountsRowsOfARealStream_WhateverTheChunkSize(int chunk)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var connection = new NpgsqlConnection((await clusters.GetAsync(15)).ConnectionString());
        await connection.OpenAsync(ct);
        var bytes = new MemoryStream();
        await using (var copy = await connection.BeginRawBinaryCopyAsync(
            "COPY (SELECT g, CASE WHEN g % 3 = 0 THEN NULL ELSE repeat('x', g % 50) END, '' FROM generate_series(1, 1234) g) TO STDOUT (FORMAT binary)",
            ct))
        {
            await copy.CopyToAsync(bytes, ct);
        }
        var data = bytes.ToArray();
        var counter = new BinaryCopyRowCounter();
        for (var at = 0; at < data.Length; at += chunk)
        {
            counter.Feed(data.AsSpan(at, Math.Min(chunk, data.Length - at)));
        }
        Assert.Equal(1234, counter.Rows);
        Assert.True(counter.Done);
    }
}
