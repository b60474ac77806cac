using ClusterMnist.Cli.Hosting;
using ClusterMnist.Core.Model;
using ClusterMnist.Core.Training;

namespace ClusterMnist.Cli.Commands;

/// <summary>A trained network read from a checkpoint: its spec and parameters, ready for inference, and where training was.</summary>
internal sealed record ModelFile(string Path, ModelSpec Spec, float[] Parameters)
{
    /// <summary>Optimizer steps done when the checkpoint was written.</summary>
    public long Step { get; init; }

    /// <summary>Epochs completed when the checkpoint was written.</summary>
    public int Epoch { get; init; }

    /// <summary>Fingerprint of the training set the run used.</summary>
    public string TrainFingerprint { get; init; } = "";

    /// <summary>The data set the run trained on; null for checkpoints that did not record it (format 1).</summary>
    public string? Dataset { get; init; }

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

        return new ModelFile(path, spec, state.Parameters)
        {
            Step = state.GlobalStep,
            Epoch = state.Epoch,
            TrainFingerprint = state.TrainFingerprint,
            Dataset = state.Dataset,
        };
    }
}
