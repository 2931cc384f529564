using Ferry.Engine.LocalServer.Internal;

namespace Ferry.Engine.Tests.LocalServer;

/// <summary>The temporary password file of initdb (and any other secret the engine writes) is 0600 from its creation.</summary>
public sealed class SecretFileTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"ferry-secret-test-{Guid.NewGuid():N}");

    [Fact]
    public async Task Create_IsOwnerOnly_BeforeAnythingIsWritten()
    {
        await using (var stream = SecretFile.Create(_path))
        {
            // Still empty and open: write-then-chmod would show the umask's 0644 here.
            Assert.Equal(0, stream.Length);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_path));
        }
    }

    [Fact]
    public async Task WriteAsync_RefusesAnExistingPath_InsteadOfWritingThroughIt()
    {
        await File.WriteAllTextAsync(_path, "planted", TestContext.Current.CancellationToken);

        await Assert.ThrowsAsync<IOException>(() => SecretFile.WriteAsync(_path, "secret", TestContext.Current.CancellationToken));
        Assert.Equal("planted", await File.ReadAllTextAsync(_path, TestContext.Current.CancellationToken));
    }

    public void Dispose() => File.Delete(_path);
}
