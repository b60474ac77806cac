using ClusterMnist.Core.Model;

namespace ClusterMnist.Core.Tests.Model;

/// <summary>
/// A plain double-precision forward pass written straight from the formulas, independent of the kernels.
/// It is the oracle for the loss and, by central differences, for the gradient.
/// </summary>
internal static class ReferenceNetwork
{
    /// <summary>Summed loss over the rows. <paramref name="masks"/> (per hidden layer, rows×width) applies dropout when given.</summary>
    public static double Loss(ModelSpec spec, double[] parameters, float[] inputs, byte[] labels, int rows, float[][]? masks = null)
    {
        double total = 0;
        for (var r = 0; r < rows; r++)
        {
            var output = RowOutput(spec, parameters, inputs, r, masks);
            var label = labels[r];
            if (spec.Output == OutputLoss.SoftmaxCrossEntropy)
            {
                total -= Math.Log(output[label]);
            }
            else
            {
                for (var j = 0; j < output.Length; j++)
                {
                    var e = output[j] - (j == label ? 1.0 : 0.0);
                    total += 0.5 * e * e;
                }
            }

        }

        return total;
    }

    /// <summary>Softmax probabilities or sigmoids for one row.</summary>
    public static double[] RowOutput(ModelSpec spec, double[] parameters, float[] inputs, int row, float[][]? masks)
    {
        var x = new double[spec.InputSize];
        for (var i = 0; i < x.Length; i++)
        {
            x[i] = inputs[(row * spec.InputSize) + i];
        }

        var offset = 0;
        for (var l = 0; l < spec.LayerCount; l++)
        {
            int inputsWidth = spec.LayerSizes[l], outputsWidth = spec.LayerSizes[l + 1];
            var z = new double[outputsWidth];
            for (var o = 0; o < outputsWidth; o++)
            {
                var sum = parameters[offset + (inputsWidth * outputsWidth) + o];
                for (var i = 0; i < inputsWidth; i++)
                {
                    sum += parameters[offset + (o * inputsWidth) + i] * x[i];
                }

                z[o] = sum;
            }

            offset += (inputsWidth * outputsWidth) + outputsWidth;
            if (l == spec.LayerCount - 1)
            {
                return spec.Output == OutputLoss.SoftmaxCrossEntropy ? Softmax(z) : z.Select(Sigmoid).ToArray();
            }

            for (var o = 0; o < outputsWidth; o++)
            {
                z[o] = Activate(spec.Hidden, z[o]);
                if (masks is not null)
                {
                    z[o] *= masks[l][(row * outputsWidth) + o];
                }
            }

            x = z;
        }

        throw new InvalidOperationException("no output layer");
    }

    private static double Activate(Activation activation, double z) => activation switch
    {
        Activation.Relu => Math.Max(0, z),
        Activation.Elu => z > 0 ? z : Math.Exp(z) - 1,
        Activation.Sigmoid => Sigmoid(z),
        Activation.Tanh => Math.Tanh(z),
        _ => throw new ArgumentOutOfRangeException(nameof(activation)),
    };

    private static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));

    private static double[] Softmax(double[] z)
    {
        var max = z.Max();
        var e = z.Select(v => Math.Exp(v - max)).ToArray();
        var sum = e.Sum();
        return e.Select(v => v / sum).ToArray();
    }
}
