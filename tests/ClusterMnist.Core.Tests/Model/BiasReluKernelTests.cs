using System.Numerics.Tensors;
using ClusterMnist.Core.Model;

namespace ClusterMnist.Core.Tests.Model;

public class BiasReluKernelTests
{
    [Theory]
    [InlineData(3, 256, true)]
    [InlineData(5, 33, true)]
    [InlineData(2, 7, false)]
    [InlineData(1, 128, false)]
    public void Forward_AndBackward_GiveTheBitsOfTheSeparateKernels(int rows, int width, bool dropout)
    {
        var random = new Random(width);
        float Value() => random.Next(8) switch { 0 => 0f, 1 => -0f, _ => (float)(random.NextDouble() - 0.5) };
        var z = Enumerable.Range(0, rows * width).Select(_ => Value()).ToArray();
        var bias = Enumerable.Range(0, width).Select(_ => Value()).ToArray();
        var mask = dropout ? Enumerable.Range(0, rows * width).Select(_ => random.Next(5) == 0 ? 0f : 1.25f).ToArray() : [];
        var gradient = Enumerable.Range(0, rows * width).Select(_ => Value()).ToArray();

        // The separate passes: bias add, ReLU (TensorPrimitives.Max), dropout multiply; backward mask then derivative.
        var expectedZ = z.ToArray();
        for (int r = 0; r < rows; r++)
            TensorPrimitives.Add(expectedZ.AsSpan(r * width, width), bias, expectedZ.AsSpan(r * width, width));
        var expectedY = new float[rows * width];
        TensorPrimitives.Max(expectedZ, 0f, expectedY);
        var expectedDropped = new float[mask.Length];
        if (dropout)
            TensorPrimitives.Multiply(expectedY, mask, expectedDropped);
        var expectedGradient = gradient.ToArray();
        if (dropout)
            TensorPrimitives.Multiply(expectedGradient, mask, expectedGradient);
        for (int i = 0; i < expectedGradient.Length; i++)
            expectedGradient[i] = expectedY[i] > 0f ? expectedGradient[i] : 0f;

        var y = new float[rows * width];
        var dropped = new float[mask.Length];
        BiasReluKernel.Forward(z, bias, y, mask, dropped, rows, width);
        BiasReluKernel.Backward(y, mask, gradient);

        Assert.Equal(Bits(expectedY), Bits(y));
        Assert.Equal(Bits(expectedDropped), Bits(dropped));
        Assert.Equal(Bits(expectedGradient), Bits(gradient));
    }

    private static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();
}
