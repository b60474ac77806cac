using ClusterMnist.Server.Hosting;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;

namespace ClusterMnist.Server.Tests.Hosting;

public sealed class LargeBlockMemoryPoolTests
{
    [Fact]
    public void Rent_GivesWholeBlocks_AndReusesReturnedOnes()
    {
        using var pool = new LargeBlockMemoryPool(blockSize: 8192, maxFreeBlocks: 4);
        var first = pool.Rent(100);
        Assert.Equal(8192, first.Memory.Length);
        Assert.Equal(8192, pool.Rent().Memory.Length);
        first.Memory.Span[0] = 42;
        var array = first.Memory;
        first.Dispose();
        first.Dispose(); // a second dispose must not return the block twice
        Assert.Equal(1, pool.FreeBlocks);

        using var again = pool.Rent(8192);
        Assert.True(again.Memory.Span.Overlaps(array.Span), "a returned block is handed out again");
        Assert.Equal(0, pool.FreeBlocks);
        Assert.Throws<ObjectDisposedException>(() => first.Memory);
    }

    [Fact]
    public void Return_KeepsAtMostMaxFreeBlocks()
    {
        using var pool = new LargeBlockMemoryPool(blockSize: 4096, maxFreeBlocks: 2);
        var blocks = Enumerable.Range(0, 5).Select(_ => pool.Rent()).ToList();
        blocks.ForEach(b => b.Dispose());
        Assert.Equal(2, pool.FreeBlocks);
    }

    [Fact]
    public void Rent_RefusesMoreThanABlock_AndAnythingAfterDispose()
    {
        var pool = new LargeBlockMemoryPool(blockSize: 4096);
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.Rent(4097));
        var held = pool.Rent();
        pool.Dispose();
        Assert.Throws<ObjectDisposedException>(() => pool.Rent());
        held.Dispose(); // returning to a disposed pool is harmless
        Assert.Equal(0, pool.FreeBlocks);
    }

    [Fact]
    public async Task CoordinatorServer_KestrelTransport_UsesTheLargeBlockPool()
    {
        await using var server = await CoordinatorServer.StartAsync(HostingRuns.Settings(minWorkers: 1), HostingRuns.Options(), HostingRuns.Data);
        var factory = Assert.IsType<LargeBlockMemoryPoolFactory>(server.Services.GetRequiredService<IMemoryPoolFactory<byte>>());
        Assert.True(factory.PoolsCreated > 0, "Kestrel bound its socket without creating a pool from the large-block factory");
    }
}
