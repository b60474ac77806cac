using ClusterMnist.Core.Model;

namespace ClusterMnist.Core.Tests.Model;

/// <summary>
/// Finite-difference gradient checks: the analytic gradient from <see cref="Network.ComputeGradient"/> must match
/// central differences of the double-precision <see cref="ReferenceNetwork"/> loss for every parameter.
/// </summary>
public class NetworkGradientTests
{
    private const int Rows = 6;
    private const float LossDivisor = 4f;

    public static TheoryData<string> Specs() =>
    [
        "5-7-4-3/relu/softmax-ce",
        "5-7-4-3/elu/softmax-ce",
        "5-7-4-3/sigmoid/softmax-ce",
        "5-7-4-3/tanh/softmax-ce",
        "5-7-4-3/relu/sigmoid-mse",
        "5-7-4-3/elu/sigmoid-mse",
        "5-7-4-3/sigmoid/sigmoid-mse",
        "5-7-4-3/tanh/sigmoid-mse",
        "5-3/relu/softmax-ce",
        "5-3/relu/sigmoid-mse",
        "6-9-8-5-4/tanh/softmax-ce",
        "5-7-4-3/relu/softmax-ce/dropout=0.3",
        "5-7-4-3/elu/sigmoid-mse/dropout=0.5",
        "5-7-4-3/tanh/softmax-ce/dropout=0.25",
    ];

    [Theory]
    [MemberData(nameof(Specs))]
    public void ComputeGradient_MatchesCentralDifferences_ForEveryParameter(string text)
    {
        var spec = ModelSpec.Parse(text);
        var network = new Network(spec);
        var parameters = TestData.Parameters(network, Initialization.Uniform, seed: 17);
        var inputs = TestData.Inputs(Rows, spec.InputSize, seed: 18);
        var labels = TestData.Labels(Rows, spec.OutputSize, seed: 19);
        var workspace = network.CreateWorkspace(Rows);
        var gradient = new float[network.ParameterCount];

        var result = network.ComputeGradient(parameters, inputs, labels, Rows, LossDivisor, dropoutSeed: 99, gradient, workspace);

        float[][]? masks = spec.Dropout > 0f ? workspace.Masks.Select(m => m.ToArray()).ToArray() : null;
        var theta = parameters.Select(p => (double)p).ToArray();
        var referenceLoss = ReferenceNetwork.Loss(spec, theta, inputs, labels, Rows, masks);
        Assert.Equal(referenceLoss, result.LossSum, 1e-4 * Math.Max(1, referenceLoss));

        const double h = 1e-5;
        var nonZero = 0;
        for (var i = 0; i < theta.Length; i++)
        {
            var saved = theta[i];
            theta[i] = saved + h;
            var plus = ReferenceNetwork.Loss(spec, theta, inputs, labels, Rows, masks);
            theta[i] = saved - h;
            var minus = ReferenceNetwork.Loss(spec, theta, inputs, labels, Rows, masks);
            theta[i] = saved;

            var numeric = (plus - minus) / (2 * h) / LossDivisor;
            double analytic = gradient[i];
            var tolerance = (2e-3 * Math.Max(Math.Abs(numeric), Math.Abs(analytic))) + 2e-6;
            Assert.True(
                Math.Abs(numeric - analytic) <= tolerance,
                $"{text}: parameter {i} ({SegmentOf(network, i)}) analytic {analytic:G9} vs numeric {numeric:G9}");
            nonZero += Math.Abs(numeric) > 1e-6 ? 1 : 0;
        }

        // A check on an all-zero gradient would prove nothing; most parameters must matter.
        Assert.True(nonZero > theta.Length / 3, $"only {nonZero} of {theta.Length} gradient entries are non-zero");
    }

    private static string SegmentOf(Network network, int index)
    {
        var segment = network.Segments.First(s => index >= s.Offset && index < s.Offset + s.Length);
        return $"{segment.Name}[{index - segment.Offset}]";
    }
}
