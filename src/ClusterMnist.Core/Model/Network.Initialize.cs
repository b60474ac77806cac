using ClusterMnist.Core.Randomness;

namespace ClusterMnist.Core.Model;

// Parameter initialisation. Layer l draws from Rng.ForStream(seed, l): weights first, row-major, then biases,
// so each layer's values depend only on the seed and its index.
public sealed partial class Network
{
    /// <summary>Fills <paramref name="parameters"/> with starting values; the same seed always gives the same bits.</summary>
    public void Initialize(Span<float> parameters, Initialization init, ulong seed)
    {
        if (parameters.Length != ParameterCount)
        {
            throw new ArgumentException($"Expected {ParameterCount} parameters for {Spec}, got {parameters.Length}.", nameof(parameters));
        }

        for (var l = 0; l < Spec.LayerCount; l++)
        {
            var fanIn = Spec.LayerSizes[l];
            var fanOut = Spec.LayerSizes[l + 1];
            var weights = parameters.Slice(_weightOffsets[l], fanIn * fanOut);
            var bias = parameters.Slice(_biasOffsets[l], fanOut);
            var rng = Rng.ForStream(seed, (ulong)l);
            switch (init)
            {
                case Initialization.He:
                    var std = Math.Sqrt(2.0 / fanIn);
                    for (var i = 0; i < weights.Length; i++)
                    {
                        weights[i] = (float)(rng.NextGaussian() * std);
                    }

                    bias.Clear();
                    break;
                case Initialization.Xavier:
                    FillUniform(weights, (float)Math.Sqrt(6.0 / (fanIn + fanOut)), ref rng);
                    bias.Clear();
                    break;
                case Initialization.Uniform:
                    FillUniform(weights, 0.5f, ref rng);
                    FillUniform(bias, 0.5f, ref rng);
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(init), init, "Unknown initialisation.");
            }
        }
    }

    private static void FillUniform(Span<float> values, float limit, ref Rng rng)
    {
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = ((2f * rng.NextFloat()) - 1f) * limit;
        }
    }
}
