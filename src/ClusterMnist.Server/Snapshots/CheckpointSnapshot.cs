using ClusterMnist.Core.Model;
using ClusterMnist.Core.Training;

namespace ClusterMnist.Server.Snapshots;

/// <summary>Serves a checkpoint's parameters until training produces its own: the model a coordinator starts from.</summary>
public static class CheckpointSnapshot
{
    /// <summary>Reads <paramref name="path"/> and returns its model as a snapshot with <paramref name="version"/>.</summary>
    /// <exception cref="CheckpointException">The file is missing, damaged, or names a model its parameters do not fit.</exception>
    public static ParameterSnapshot Load(string path, long version = 0)
    {
        var state = Checkpoint.Read(path);
        ModelSpec spec;
        try
        {
            spec = ModelSpec.Parse(state.Model);
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw new CheckpointException(path, $"names an unreadable model '{state.Model}': {e.Message}", e);
        }

        if (state.Parameters.Length != spec.ParameterCount)
        {
            throw new CheckpointException(
                path, $"holds {state.Parameters.Length} parameters but model {spec} needs {spec.ParameterCount}.");
        }

        return new ParameterSnapshot(spec, state.Parameters, version, state.GlobalStep, state.Epoch);
    }
}
