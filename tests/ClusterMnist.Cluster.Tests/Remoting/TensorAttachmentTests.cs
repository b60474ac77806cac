using ClusterMnist.Actors.Remoting;
using ClusterMnist.Actors.Testing;
using ClusterMnist.Cluster.Protocol;

namespace ClusterMnist.Cluster.Tests.Remoting;

/// <summary>Pooled tensors told to a remote actor: sent from their own memory, and back in their pool once sent.</summary>
public sealed class TensorAttachmentTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task PooledTensors_ToldRemotely_ArriveIntact_AndReturnToTheirPoolOnceSent()
    {
        await using var coordinator = await ClusterNode.ServerAsync("coordinator");
        await using var worker = ClusterNode.Client("worker");
        using var atWorker = new TestProbe(worker.System, "worker");
        using var atCoordinator = new TestProbe(coordinator.System, "coordinator");
        var connection = await worker.Remoting.ConnectAsync(coordinator.ClusterUri);
        var toCoordinator = connection.ActorFor("/probe/coordinator");
        var toWorker = Assert.Single(coordinator.Remoting.Connections).ActorFor("/probe/worker");

        // Parameters, coordinator -> worker: the sender keeps its own reference and gives the message one.
        var parameters = new SharedTensorPool(250_000);
        var tensor = parameters.Rent();
        for (int i = 0; i < tensor.Floats.Length; i++)
            tensor.Floats[i] = i * 0.25f;
        tensor.Retain();
        toWorker.Tell(new ComputeShards(1, 1, 0, tensor.Bytes, 64, new[] { 0 }, new[] { 3 }, new[] { -20 }));
        var assignment = await atWorker.ExpectMessageAsync<ComputeShards>(Wait);
        Assert.Equal(tensor.Floats, TensorBytes.AsFloats(assignment.Parameters).ToArray());
        tensor.Release(); // the sender's own reference: now only a message still in flight could hold it
        Assert.Same(tensor, await RentWhenReturnedAsync(parameters, tensor));

        // Sums, worker -> coordinator: the message holds the only reference.
        var sumsPool = new SharedTensorPool(250_000);
        var sums = sumsPool.Rent();
        sums.Ints.Fill(-7);
        toCoordinator.Tell(new ShardsDone("worker", 1, 1, new[] { 0 }, sums.Bytes, new[] { 1f }, new[] { false }, new[] { 0.5 }, new[] { 3 }, 0.01));
        var done = await atCoordinator.ExpectMessageAsync<ShardsDone>(Wait);
        Assert.All(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, int>(done.Sums.Span).ToArray(), v => Assert.Equal(-7, v));
        Assert.Same(sums, await RentWhenReturnedAsync(sumsPool, sums));
    }

    // The send loop releases the reference after the socket write, which may finish just after the receiver has the
    // message; poll (bounded) until the tensor is back.
    private static async Task<SharedTensor> RentWhenReturnedAsync(SharedTensorPool pool, SharedTensor expected)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (true)
        {
            // A fresh tensor while the expected one is still held; it is never returned, so it is not rented again.
            var rented = pool.Rent();
            if (ReferenceEquals(rented, expected) || DateTime.UtcNow > deadline)
                return rented;
            await Task.Delay(10);
        }
    }
}
