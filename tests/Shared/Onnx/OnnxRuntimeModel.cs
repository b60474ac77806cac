using Microsoft.ML.OnnxRuntime;

namespace ClusterMnist.Tests.Shared.Onnx;

/// <summary>
/// An exported model loaded in ONNX Runtime, the reference the exporter is checked against: runs the graph on a
/// batch and exposes the file's metadata as the runtime reads it. Linked into every test project that checks ONNX.
/// </summary>
internal sealed class OnnxRuntimeModel : IDisposable
{
    private readonly InferenceSession _session;

    public OnnxRuntimeModel(byte[] model)
    {
        // One thread: the machine is shared, and the comparison must not depend on how ORT splits the work.
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        _session = new InferenceSession(model, options);
    }

    public ModelMetadata Metadata => _session.ModelMetadata;

    public IReadOnlyDictionary<string, NodeMetadata> Inputs => _session.InputMetadata;

    public IReadOnlyDictionary<string, NodeMetadata> Outputs => _session.OutputMetadata;

    /// <summary>Runs <paramref name="rows"/> images (row-major floats) through the graph and returns its only output.</summary>
    public float[] Run(string inputName, string outputName, float[] inputs, int rows, int columns)
    {
        using var input = OrtValue.CreateTensorValueFromMemory(inputs, [rows, columns]);
        using var runOptions = new RunOptions();
        using var outputs = _session.Run(runOptions, [inputName], [input], [outputName]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    public void Dispose() => _session.Dispose();
}
