using ClusterMnist.Cli.Hosting;
using ClusterMnist.Core.Model;
using ClusterMnist.Core.Training;

namespace ClusterMnist.Cli.Commands;

/// <summary>A trained network read from a checkpoint: its spec and parameters, ready for inference.</summary>
internal sealed record ModelFile(string Path, ModelSpec Spec, float[] Parameters)
{
    /// <exception cref="CheckpointException">The file is missing, damaged or not a checkpoint.</exception>
    public static ModelFile Load(string path)
    {
        var state = Checkpoint.Read(path);
        ModelSpec spec;
        try
        {
            spec = ModelSpec.Parse(state.Model);
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw new CliException($"checkpoint '{path}' names an unreadable model '{state.Model}': {e.Message}");
        }

        if (state.Parameters.Length != spec.ParameterCount)
        {
            throw new CliException($"checkpoint '{path}' holds {state.Parameters.Length} parameters but model {spec} needs {spec.ParameterCount}.");
        }

        return new ModelFile(path, spec, state.Parameters);
    }
}
