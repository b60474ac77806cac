using System.Runtime.InteropServices;
using ClusterMnist.Cluster.DataPlane;

namespace ClusterMnist.Cluster.Tests.DataPlane;

public sealed class PinnedBufferPoolTests
{
    [Fact]
    public void ReturnedBuffer_IsHandedOutAgain_ForAnyLengthOfItsSize()
    {
        var pool = new PinnedBufferPool();
        var first = pool.Rent(940_584);
        Assert.Equal(940_584, first.Memory.Length);
        Assert.True(MemoryMarshal.TryGetArray<byte>(first.Memory, out var firstArray));
        first.Dispose();

        using var second = pool.Rent(1_000_000);

        Assert.True(MemoryMarshal.TryGetArray<byte>(second.Memory, out var secondArray));
        Assert.Same(firstArray.Array, secondArray.Array);
        Assert.Equal(1, pool.BuffersAllocated);
    }

    [Fact]
    public void BuffersInUse_AreDistinct()
    {
        var pool = new PinnedBufferPool();
        using var a = pool.Rent(5000);
        using var b = pool.Rent(5000);

        Assert.True(MemoryMarshal.TryGetArray<byte>(a.Memory, out var arrayA));
        Assert.True(MemoryMarshal.TryGetArray<byte>(b.Memory, out var arrayB));
        Assert.NotSame(arrayA.Array, arrayB.Array);
        Assert.Equal(2, pool.BuffersAllocated);
    }

    [Fact]
    public void SecondDispose_DoesNotReturnTheBufferTwice()
    {
        var pool = new PinnedBufferPool();
        var lease = pool.Rent(100);
        lease.Dispose();
        lease.Dispose();

        using var x = pool.Rent(100);
        using var y = pool.Rent(100);

        Assert.True(MemoryMarshal.TryGetArray<byte>(x.Memory, out var arrayX));
        Assert.True(MemoryMarshal.TryGetArray<byte>(y.Memory, out var arrayY));
        Assert.NotSame(arrayX.Array, arrayY.Array);
        Assert.Throws<ObjectDisposedException>(() => lease.Memory);
    }
}
