using ClusterMnist.Core.Export;
using ClusterMnist.Core.Export.Onnx;
using ClusterMnist.Core.Model;
using ClusterMnist.Core.Training;
using ClusterMnist.Tests.Shared.Onnx;

namespace ClusterMnist.Core.Tests.Export;

/// <summary>What an exported file declares: operators, opset, shapes and metadata, as ONNX Runtime and the schema read them.</summary>
public sealed class OnnxExportFormatTests
{
    private static readonly ModelSpec Spec = ModelSpec.Parse("784-24-12-10/relu/softmax-ce/dropout=0.2");

    [Fact]
    public void Export_RecordsSpecDatasetStepAndParameterHash_InMetadata()
    {
        var parameters = RandomParameters(Spec, seed: 3);
        var bytes = OnnxExporter.Export(Spec, parameters, new OnnxExportInfo("mnist", "ab12cd", Step: 4_321, Epoch: 7));

        using var model = new OnnxRuntimeModel(bytes);
        var metadata = model.Metadata.CustomMetadataMap;
        Assert.Equal(Spec.ToString(), metadata[OnnxMetadataKeys.ModelSpec]);
        Assert.Equal("mnist", metadata[OnnxMetadataKeys.Dataset]);
        Assert.Equal("ab12cd", metadata[OnnxMetadataKeys.TrainFingerprint]);
        Assert.Equal("4321", metadata[OnnxMetadataKeys.TrainingStep]);
        Assert.Equal("7", metadata[OnnxMetadataKeys.Epoch]);
        Assert.Equal(ParameterHash.Sha256(parameters), metadata[OnnxMetadataKeys.ParametersSha256]);
        Assert.Contains("0-1", metadata[OnnxMetadataKeys.Input], StringComparison.Ordinal);
        Assert.Equal(4_321, model.Metadata.Version);
        Assert.Equal("ClusterMnist", model.Metadata.ProducerName);
    }

    [Fact]
    public void Export_LeavesUnknownDatasetOut_RatherThanGuessing()
    {
        var bytes = OnnxExporter.Export(Spec, RandomParameters(Spec, seed: 1), new OnnxExportInfo(null, null, 0, 0));
        using var model = new OnnxRuntimeModel(bytes);
        Assert.False(model.Metadata.CustomMetadataMap.ContainsKey(OnnxMetadataKeys.Dataset));
        Assert.False(model.Metadata.CustomMetadataMap.ContainsKey(OnnxMetadataKeys.TrainFingerprint));
    }

    [Fact]
    public void Export_DeclaresBatchOfPixelsIn_AndBatchOfProbabilitiesOut()
    {
        var bytes = OnnxExporter.Export(Spec, RandomParameters(Spec, seed: 2), new OnnxExportInfo(null, null, 0, 0));
        using var model = new OnnxRuntimeModel(bytes);

        var input = Assert.Single(model.Inputs);
        Assert.Equal(OnnxExporter.InputName, input.Key);
        Assert.Equal(typeof(float), input.Value.ElementType);
        Assert.Equal([-1, 784], input.Value.Dimensions);
        Assert.Equal("N", input.Value.SymbolicDimensions[0]);
        var output = Assert.Single(model.Outputs);
        Assert.Equal(OnnxExporter.OutputName, output.Key);
        Assert.Equal([-1, 10], output.Value.Dimensions);
    }

    [Fact]
    public void Export_WritesGemmAndActivationPerLayer_ThenSoftmax_WithoutDropout()
    {
        var model = ModelProto.Parser.ParseFrom(OnnxExporter.Export(Spec, RandomParameters(Spec, seed: 4), new OnnxExportInfo(null, null, 0, 0)));

        Assert.Equal(OnnxExporter.IrVersion, model.IrVersion);
        var opset = Assert.Single(model.OpsetImport);
        Assert.Equal("", opset.Domain);
        Assert.Equal(OnnxExporter.Opset, opset.Version);
        Assert.Equal(["Gemm", "Relu", "Gemm", "Relu", "Gemm", "Softmax"], model.Graph.Node.Select(n => n.OpType));
        Assert.All(model.Graph.Node.Where(n => n.OpType == "Gemm"),
            gemm => Assert.Contains(gemm.Attribute, a => a.Name == "transB" && a.I == 1));
        Assert.Equal(["W1", "b1", "W2", "b2", "W3", "b3"], model.Graph.Initializer.Select(t => t.Name));
        Assert.Equal([24L, 784L], model.Graph.Initializer[0].Dims);
        Assert.Equal(24 * 784 * sizeof(float), model.Graph.Initializer[0].RawData.Length);
    }

    [Fact]
    public void Export_RejectsParameters_OfAnotherModel()
    {
        var other = RandomParameters(ModelSpec.Parse("784-16-10"), seed: 1);
        var error = Assert.Throws<ArgumentException>(() => OnnxExporter.Export(Spec, other, new OnnxExportInfo(null, null, 0, 0)));
        Assert.Contains(Spec.ParameterCount.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_ReplacesAnExistingFile_AndLeavesNoTemporaryFile()
    {
        string folder = Directory.CreateTempSubdirectory("onnx-export-").FullName;
        try
        {
            string path = Path.Combine(folder, "model.onnx");
            File.WriteAllText(path, "old");
            var parameters = RandomParameters(Spec, seed: 5);
            OnnxExporter.Write(path, Spec, parameters, new OnnxExportInfo(null, null, 9, 1));

            Assert.Equal(OnnxExporter.Export(Spec, parameters, new OnnxExportInfo(null, null, 9, 1)), File.ReadAllBytes(path));
            Assert.Equal(["model.onnx"], Directory.GetFiles(folder).Select(Path.GetFileName));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Write_IntoAMissingFolder_FailsWithoutLeavingAFile()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"onnx-missing-{Guid.NewGuid():N}");
        Assert.Throws<DirectoryNotFoundException>(
            () => OnnxExporter.Write(Path.Combine(folder, "model.onnx"), Spec, RandomParameters(Spec, seed: 1), new OnnxExportInfo(null, null, 0, 0)));
        Assert.False(Directory.Exists(folder));
    }

    private static float[] RandomParameters(ModelSpec spec, ulong seed)
    {
        var network = new Network(spec);
        var parameters = new float[network.ParameterCount];
        network.Initialize(parameters, Initialization.He, seed);
        return parameters;
    }
}
