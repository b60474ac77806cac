using ClusterMnist.Core.Model;
using ClusterMnist.Server.Snapshots;

namespace ClusterMnist.Server.Prediction;

/// <summary>
/// Runs <see cref="Network.Predict"/> for the server's request threads. Each thread keeps one workspace and reuses
/// it for every request, so a prediction allocates nothing; a batch is cut into passes of at most
/// <see cref="RowsPerPass"/> rows, the size the forward kernel handles best.
/// </summary>
internal static class Inference
{
    /// <summary>Rows per <see cref="Network.Predict"/> call.</summary>
    public const int RowsPerPass = 128;

    /// <summary>Up to this many rows the forward pass runs the few-row kernel, at about the cost of one row each.</summary>
    public const int FewRows = 4;

    /// <summary>From 5 rows the forward kernel computes a padded panel of this many, so 5 rows cost as much as 32.</summary>
    public const int PanelRows = 32;

    [ThreadStatic]
    private static NetworkWorkspace? _threadWorkspace;

    [ThreadStatic]
    private static ModelSpec? _threadWorkspaceSpec;

    /// <summary>Writes rows×OutputSize probabilities for rows×InputSize inputs, all with <paramref name="snapshot"/>.</summary>
    public static void Predict(ParameterSnapshot snapshot, ReadOnlySpan<float> inputs, int rows, Span<float> outputs)
    {
        var network = snapshot.Network;
        var workspace = _threadWorkspace;
        if (workspace is null || !network.Spec.Equals(_threadWorkspaceSpec))
        {
            workspace = network.CreateWorkspace(RowsPerPass);
            _threadWorkspace = workspace;
            _threadWorkspaceSpec = network.Spec;
        }

        int inputSize = network.Spec.InputSize, classes = network.Spec.OutputSize;
        for (int start = 0; start < rows; start += RowsPerPass)
        {
            int count = Math.Min(RowsPerPass, rows - start);
            network.Predict(
                snapshot.Parameters, inputs.Slice(start * inputSize, count * inputSize), count,
                outputs.Slice(start * classes, count * classes), workspace);
        }
    }
}
