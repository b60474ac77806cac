// Dispatch from the Activation enum to the one-kernel-per-file implementations.
namespace ClusterMnist.Core.Model;

internal static class ActivationKernels
{
    public static void Forward(Activation activation, ReadOnlySpan<float> z, Span<float> y)
    {
        switch (activation)
        {
            case Activation.Relu: ReluKernel.Forward(z, y); break;
            case Activation.Elu: EluKernel.Forward(z, y); break;
            case Activation.Sigmoid: SigmoidKernel.Forward(z, y); break;
            case Activation.Tanh: TanhKernel.Forward(z, y); break;
            default: throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation.");
        }
    }

    /// <summary>In place: <paramref name="gradient"/> holds dL/dy on entry and dL/dz on exit; <paramref name="y"/> is the forward output.</summary>
    public static void Backward(Activation activation, ReadOnlySpan<float> y, Span<float> gradient)
    {
        switch (activation)
        {
            case Activation.Relu: ReluKernel.Backward(y, gradient); break;
            case Activation.Elu: EluKernel.Backward(y, gradient); break;
            case Activation.Sigmoid: SigmoidKernel.Backward(y, gradient); break;
            case Activation.Tanh: TanhKernel.Backward(y, gradient); break;
            default: throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation.");
        }
    }
}
