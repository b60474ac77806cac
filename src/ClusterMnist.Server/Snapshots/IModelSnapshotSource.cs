namespace ClusterMnist.Server.Snapshots;

/// <summary>Where the HTTP API finds the model to serve.</summary>
public interface IModelSnapshotSource
{
    /// <summary>The model to serve now, or null before any is available (the API then answers 503).</summary>
    ParameterSnapshot? Current { get; }
}
