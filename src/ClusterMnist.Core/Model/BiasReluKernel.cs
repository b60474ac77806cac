// A hidden ReLU layer's elementwise work, fused: forward y = max(z + b, 0) per row (and, with dropout, d = y·mask);
// backward g = (y > 0 ? g·mask : 0) in place. The operations are those of BiasAdd, ReluKernel (TensorPrimitives.Max,
// Vector512.Max semantics) and DropoutKernel one after the other, element by element, so the bits are theirs. Why: as
// separate passes each one read and wrote the whole rows×width block again; fused, a row goes through once while it
// is in L1. z is left as the product wrote it (a hidden layer's pre-activation is not read again). One generic loop
// serves 512- and 256-bit vectors (FloatLanes); before it had only a Vector512 loop, and AVX2 machines ran both
// directions one float at a time (3–4 % of a training step at batch 256 on 784-256-128-10).
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using ClusterMnist.Core.Kernels;

namespace ClusterMnist.Core.Model;

internal static class BiasReluKernel
{
    /// <summary>y[r, j] = max(z[r, j] + b[j], 0); with a mask, dropped[r, j] = y[r, j]·mask[r, j]. All rows×width except b.</summary>
    public static void Forward(ReadOnlySpan<float> z, ReadOnlySpan<float> bias, Span<float> y, ReadOnlySpan<float> mask, Span<float> dropped, int rows, int width)
    {
        int count = rows * width;
        bool dropout = !mask.IsEmpty;
        if (z.Length < count || y.Length < count || bias.Length < width || (dropout && (mask.Length < count || dropped.Length < count)))
            throw new ArgumentException($"Expected {rows}×{width} values and {width} biases.");
        ref float zRef = ref MemoryMarshal.GetReference(z);
        ref float bRef = ref MemoryMarshal.GetReference(bias);
        ref float yRef = ref MemoryMarshal.GetReference(y);
        ref float mRef = ref MemoryMarshal.GetReference(mask);
        ref float dRef = ref MemoryMarshal.GetReference(dropped);
        if (FloatLanes.V512.IsHardwareAccelerated)
            Forward<FloatLanes.V512, Vector512<float>>(ref zRef, ref bRef, ref yRef, ref mRef, ref dRef, rows, width, dropout);
        else
            Forward<FloatLanes.V256, Vector256<float>>(ref zRef, ref bRef, ref yRef, ref mRef, ref dRef, rows, width, dropout);
    }

    /// <summary>In place: g = y > 0 ? g·mask : 0 (no mask: g = y > 0 ? g : 0). All spans of one length.</summary>
    public static void Backward(ReadOnlySpan<float> y, ReadOnlySpan<float> mask, Span<float> gradient)
    {
        int n = gradient.Length;
        bool dropout = !mask.IsEmpty;
        if (y.Length < n || (dropout && mask.Length < n))
            throw new ArgumentException($"Expected {n} activations and mask values.");
        ref float yRef = ref MemoryMarshal.GetReference(y);
        ref float mRef = ref MemoryMarshal.GetReference(mask);
        ref float gRef = ref MemoryMarshal.GetReference(gradient);
        int i = FloatLanes.V512.IsHardwareAccelerated
            ? Backward<FloatLanes.V512, Vector512<float>>(ref yRef, ref mRef, ref gRef, n, dropout)
            : Backward<FloatLanes.V256, Vector256<float>>(ref yRef, ref mRef, ref gRef, n, dropout);
        for (; i < n; i++)
        {
            float g = Unsafe.Add(ref gRef, i);
            if (dropout)
                g *= Unsafe.Add(ref mRef, i);
            Unsafe.Add(ref gRef, i) = Unsafe.Add(ref yRef, i) > 0f ? g : 0f;
        }
    }

    // Each row: whole vectors (none where the width is not accelerated), then the rest one float at a time.
    private static void Forward<TLanes, TVector>(ref float z, ref float b, ref float y, ref float mask, ref float dropped, int rows, int width, bool dropout)
        where TLanes : struct, IFloatLanes<TVector>
        where TVector : struct
    {
        int vectorEnd = TLanes.IsHardwareAccelerated ? width - TLanes.Count : -1;
        for (int r = 0; r < rows; r++)
        {
            nint row = (nint)r * width;
            int j = 0;
            for (; j <= vectorEnd; j += TLanes.Count)
            {
                nuint at = (nuint)(row + j);
                var v = TLanes.Max(TLanes.Add(TLanes.Load(ref z, at), TLanes.Load(ref b, (nuint)j)), TLanes.Zero);
                TLanes.Store(v, ref y, at);
                if (dropout)
                    TLanes.Store(TLanes.Multiply(v, TLanes.Load(ref mask, at)), ref dropped, at);
            }

            for (; j < width; j++)
            {
                nint at = row + j;
                float v = MathF.Max(Unsafe.Add(ref z, at) + Unsafe.Add(ref b, j), 0f);
                Unsafe.Add(ref y, at) = v;
                if (dropout)
                    Unsafe.Add(ref dropped, at) = v * Unsafe.Add(ref mask, at);
            }
        }
    }

    // The whole vectors of the backward pass (none where the width is not accelerated); returns where the scalar tail starts.
    private static int Backward<TLanes, TVector>(ref float y, ref float mask, ref float gradient, int n, bool dropout)
        where TLanes : struct, IFloatLanes<TVector>
        where TVector : struct
    {
        int i = 0, vectorEnd = TLanes.IsHardwareAccelerated ? n - TLanes.Count : -1;
        for (; i <= vectorEnd; i += TLanes.Count)
        {
            var g = TLanes.Load(ref gradient, (nuint)i);
            if (dropout)
                g = TLanes.Multiply(g, TLanes.Load(ref mask, (nuint)i));
            TLanes.Store(TLanes.WherePositive(TLanes.Load(ref y, (nuint)i), g), ref gradient, (nuint)i);
        }

        return i;
    }
}
