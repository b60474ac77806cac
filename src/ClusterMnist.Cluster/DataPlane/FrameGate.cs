namespace ClusterMnist.Cluster.DataPlane;

/// <summary>
/// Asked for every frame after its header arrives and before a byte of its payload is read: is this kind, id and
/// length what the application expects now (e.g. length = 4 × parameter count, id among those issued)? Called on
/// the connection's receive loop, one frame at a time; it must be quick and must not block.
/// </summary>
public delegate FrameVerdict FrameGate(DataFrameHeader header);
