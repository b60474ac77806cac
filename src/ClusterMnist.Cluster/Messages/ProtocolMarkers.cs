namespace ClusterMnist.Cluster.Messages;

/// <summary>Marker of the messages a coordinator's mailbox accepts (besides Akka's own, e.g. Terminated).</summary>
public interface ICoordinatorMessage;

/// <summary>Marker of the messages a worker's mailbox accepts.</summary>
public interface IWorkerMessage;

/// <summary>
/// Marker of the small control records that cross nodes. Hyperion serializes exactly these (it is bound to this
/// interface, never to <see cref="object"/>); the two records that can carry tensors have a serializer of their own.
/// </summary>
public interface IControlMessage;

/// <summary>Where the tensor of a <see cref="ComputeShards"/> (parameters) or a <see cref="ShardsDone"/> (int32 sums) is.</summary>
public enum TensorRoute
{
    /// <summary>In the message itself: in one process, a pooled buffer passed by reference.</summary>
    Inline,

    /// <summary>In a slot of a shared memory file on the coordinator's host.</summary>
    SharedMemory,

    /// <summary>In a frame of the worker's data plane stream, identified by the version or assignment id.</summary>
    Stream,
}
