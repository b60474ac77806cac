using System.Globalization;
using System.Reflection;
using ClusterMnist.Core.Export.Onnx;
using ClusterMnist.Core.Model;
using ClusterMnist.Core.Training;
using Google.Protobuf;

namespace ClusterMnist.Core.Export;

/// <summary>
/// Writes a trained network as a standard ONNX model for inference: input <see cref="InputName"/> (float32
/// [N, 784], pixels scaled to 0–1 as our preprocessing leaves them), one Gemm and activation per layer, output
/// <see cref="OutputName"/> (float32 [N, 10]). The metadata records the model spec, the data set, the training step
/// and the parameters' SHA-256 (keys in <see cref="OnnxMetadataKeys"/>).
/// </summary>
public static class OnnxExporter
{
    /// <summary>
    /// ONNX IR version 10 and the default-domain opset 22 (both of ONNX 1.17): recent, and run by every current ONNX
    /// Runtime; no operator the graph uses changed its meaning after opset 14, so nothing newer would add anything.
    /// </summary>
    public const long IrVersion = 10;

    /// <summary>The default (ai.onnx) operator set the graph is stamped with.</summary>
    public const long Opset = 22;

    /// <summary>The graph's input: float32 [N, 784] in 0–1.</summary>
    public const string InputName = "pixels";

    /// <summary>The graph's output: float32 [N, 10], softmax probabilities (per-class sigmoids for sigmoid-mse models).</summary>
    public const string OutputName = "probabilities";

    /// <summary>The model file's bytes.</summary>
    /// <exception cref="ArgumentException">The parameter count does not match <paramref name="spec"/>.</exception>
    public static byte[] Export(ModelSpec spec, ReadOnlySpan<float> parameters, OnnxExportInfo info)
        => Build(spec, parameters, info).ToByteArray();

    /// <summary>
    /// Writes the model to <paramref name="path"/> through a temporary file in the same folder, so a reader never
    /// sees half a model and a failed write leaves any previous file in place.
    /// </summary>
    /// <exception cref="IOException">The folder is missing or the file cannot be written.</exception>
    /// <exception cref="UnauthorizedAccessException">No permission to write there.</exception>
    public static void Write(string path, ModelSpec spec, ReadOnlySpan<float> parameters, OnnxExportInfo info)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var bytes = Export(spec, parameters, info);
        string full = Path.GetFullPath(path);
        string temporary = Path.Combine(Path.GetDirectoryName(full) ?? ".", $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        try
        {
            File.WriteAllBytes(temporary, bytes);
            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    internal static ModelProto Build(ModelSpec spec, ReadOnlySpan<float> parameters, OnnxExportInfo info)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(info);
        var network = new Network(spec);
        if (parameters.Length != network.ParameterCount)
        {
            throw new ArgumentException($"Model {spec} has {network.ParameterCount} parameters, got {parameters.Length}.", nameof(parameters));
        }

        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "ClusterMnist",
            ProducerVersion = ProducerVersion(),
            ModelVersion = info.Step,
            DocString = $"{spec} trained by ClusterMnist: input '{InputName}' [N, {spec.InputSize}], output '{OutputName}' [N, {spec.OutputSize}].",
            Graph = OnnxGraph.Build(network, parameters, InputName, OutputName),
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        foreach (var (key, value) in Metadata(spec, parameters, info))
        {
            model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        }

        return model;
    }

    private static IEnumerable<KeyValuePair<string, string>> Metadata(ModelSpec spec, ReadOnlySpan<float> parameters, OnnxExportInfo info)
    {
        var entries = new List<KeyValuePair<string, string>>
        {
            new(OnnxMetadataKeys.ModelSpec, spec.ToString()),
            new(OnnxMetadataKeys.TrainingStep, info.Step.ToString(CultureInfo.InvariantCulture)),
            new(OnnxMetadataKeys.Epoch, info.Epoch.ToString(CultureInfo.InvariantCulture)),
            new(OnnxMetadataKeys.ParametersSha256, ParameterHash.Sha256(parameters)),
            new(OnnxMetadataKeys.Input,
                $"{spec.InputSize} float32 pixels per image in 0-1 (byte/255), row-major, white digit on black, centred by mass like MNIST"),
        };
        if (info.Dataset is { Length: > 0 } dataset)
        {
            entries.Add(new(OnnxMetadataKeys.Dataset, dataset));
        }

        if (info.TrainFingerprint is { Length: > 0 } fingerprint)
        {
            entries.Add(new(OnnxMetadataKeys.TrainFingerprint, fingerprint));
        }

        return entries;
    }

    private static string ProducerVersion() =>
        typeof(OnnxExporter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(OnnxExporter).Assembly.GetName().Version?.ToString()
        ?? "unknown";

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: the write already failed and that error is the one to report.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
