using ClusterMnist.Core.Data;
using ClusterMnist.Core.Export;
using ClusterMnist.Core.Model;
using ClusterMnist.Core.Tests.Data;
using ClusterMnist.Tests.Shared.Onnx;
using Xunit.Abstractions;

namespace ClusterMnist.Core.Tests.Export;

/// <summary>Exported models, run by ONNX Runtime, give what <see cref="Network.Predict"/> gives on real test images.</summary>
public sealed class OnnxExportRuntimeTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-5;

    public static TheoryData<string, string> Networks()
    {
        var data = new TheoryData<string, string>();
        foreach (string activation in new[] { "relu", "elu", "sigmoid", "tanh" })
        {
            foreach (string sizes in new[] { "784-40-10", "784-48-24-10", "784-56-32-16-10" })
            {
                data.Add(sizes, activation);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void OnnxRuntime_MatchesNetworkPredict_OnHeldOutTestImages(string sizes, string activation)
    {
        var spec = ModelSpec.Parse($"{sizes}/{activation}/softmax-ce/dropout=0.1");
        AssertRuntimeAgrees(spec);
    }

    [Fact]
    public void OnnxRuntime_MatchesNetworkPredict_ForSigmoidOutputs()
    {
        AssertRuntimeAgrees(ModelSpec.Parse("784-32-10/tanh/sigmoid-mse"));
    }

    private void AssertRuntimeAgrees(ModelSpec spec)
    {
        if (RealData.Root() is not { } root)
        {
            output.WriteLine("Skipped: CLUSTERMNIST_DATA is not set.");
            return;
        }

        var data = DatasetCatalog.Load(root, DatasetKind.DigitsSplit);
        var parameters = QuickTrainedNetworks.Train(spec, data);
        int rows = data.Test.Count;
        Assert.True(rows >= 1000, $"only {rows} held-out images");
        var inputs = QuickTrainedNetworks.Inputs(data.Test);
        var expected = QuickTrainedNetworks.Predict(spec, parameters, inputs, rows);

        var bytes = OnnxExporter.Export(spec, parameters, new OnnxExportInfo("digits-split", data.Train.Fingerprint, Step: 125, Epoch: 1));
        using var model = new OnnxRuntimeModel(bytes);
        var actual = model.Run(OnnxExporter.InputName, OnnxExporter.OutputName, inputs, rows, spec.InputSize);

        var agreement = ProbabilityAgreement.Compare(expected, actual, rows, spec.OutputSize);
        output.WriteLine($"{spec}: {agreement}");
        Assert.True(agreement.MaxAbsoluteDifference <= Tolerance, $"{spec}: {agreement}");
        Assert.Equal(0, agreement.ArgmaxMismatches);

        // The network learned something (chance is 10 %), so agreeing is not agreeing on noise.
        int correct = 0;
        for (int r = 0; r < rows; r++)
        {
            if (ProbabilityAgreement.Argmax(actual.AsSpan(r * spec.OutputSize, spec.OutputSize)) == data.Test.Label(r))
            {
                correct++;
            }
        }

        output.WriteLine($"{spec}: {correct} of {rows} held-out images classified correctly");
        Assert.True(correct > rows / 2, $"{spec}: only {correct} of {rows} correct");
    }
}
