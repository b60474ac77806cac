using System.Runtime.InteropServices;
using ClusterMnist.Actors.Remoting;
using ClusterMnist.Actors.Testing;

namespace ClusterMnist.Actors.Tests.Remoting;

/// <summary>The receive buffer pool is process-wide: these run alone so no other test's message takes a released buffer.</summary>
[CollectionDefinition(nameof(ReceiveBufferLeaseTests), DisableParallelization = true)]
public sealed class ReceiveBufferLeaseCollection;

[Collection(nameof(ReceiveBufferLeaseTests))]
public class ReceiveBufferLeaseTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public void Release_DoesNothing_ForMemoryThatIsNotALeasedReceiveBuffer()
    {
        var local = new float[300_000];

        Assert.False(TensorBytes.Release(local.AsMemory()));
        Assert.False(TensorBytes.Release(TensorBytes.AsFloats(new byte[1024])));
        Assert.False(TensorBytes.Release(ReadOnlyMemory<float>.Empty));
    }

    [Fact]
    public async Task LargeReceiveBuffers_AreReusedAfterRelease_AndNeverWithoutALeasingCodec()
    {
        await using var server = await TestNode.ServerAsync("coordinator");
        await using var client = TestNode.Client("worker-1");
        using var probe = new TestProbe(server.System, "tensors");
        var connection = await client.Remoting.ConnectAsync(server.ClusterUri);
        var target = connection.ActorFor("/probe/tensors");
        var values = Enumerable.Range(0, 300_000).Select(i => (float)i).ToArray(); // 1.2 MB: well past the small-message scratch

        // Not leasing: every message keeps its own buffer, and releasing it is refused.
        await target.TellAsync(new TensorPayload(1, "a", values));
        var first = await probe.ExpectMessageAsync<TensorPayload>(Wait);
        Assert.False(TensorBytes.Release(first.Values));
        await target.TellAsync(new TensorPayload(2, "b", values));
        var second = await probe.ExpectMessageAsync<TensorPayload>(Wait);
        Assert.NotSame(ArrayOf(first.Values), ArrayOf(second.Values));
        Assert.Equal(values, first.Values.ToArray());

        // Leasing: a released buffer carries a later message; one released twice is refused the second time.
        await target.TellAsync(new LeasedTensorPayload(3, values));
        var third = await probe.ExpectMessageAsync<LeasedTensorPayload>(Wait);
        Assert.Equal(values, third.Values.ToArray());
        var thirdBuffer = ArrayOf(third.Values);
        Assert.True(TensorBytes.Release(third.Values));
        Assert.False(TensorBytes.Release(third.Values));
        await target.TellAsync(new LeasedTensorPayload(4, values));
        var fourth = await probe.ExpectMessageAsync<LeasedTensorPayload>(Wait);
        Assert.Equal(4, fourth.Step);
        Assert.Equal(values, fourth.Values.ToArray());
        Assert.Same(thirdBuffer, ArrayOf(fourth.Values));
        Assert.NotSame(thirdBuffer, ArrayOf(first.Values));
    }

    private static byte[] ArrayOf(ReadOnlyMemory<float> values)
    {
        Assert.True(MemoryMarshal.TryGetMemoryManager<float, CastMemoryManager<byte, float>>(values, out var manager));
        Assert.True(MemoryMarshal.TryGetArray<byte>(manager.Source, out var segment));
        return segment.Array!;
    }
}
