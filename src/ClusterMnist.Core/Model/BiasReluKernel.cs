// A hidden ReLU layer's elementwise work, fused: forward y = max(z + b, 0) per row (and, with dropout, d = y·mask);
// backward g = (y > 0 ? g·mask : 0) in place. The operations are those of BiasAdd, ReluKernel (TensorPrimitives.Max,
// Vector512.Max semantics) and DropoutKernel one after the other, element by element, so the bits are theirs. Why: as
// separate passes each one read and wrote the whole rows×width block again; fused, a row goes through once while it
// is in L1. z is left as the product wrote it (a hidden layer's pre-activation is not read again).
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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
        for (int r = 0; r < rows; r++)
        {
            nint row = (nint)r * width;
            int j = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                for (; j <= width - Vector512<float>.Count; j += Vector512<float>.Count)
                {
                    nint at = row + j;
                    var v = Vector512.Max(Vector512.LoadUnsafe(ref zRef, (nuint)at) + Vector512.LoadUnsafe(ref bRef, (nuint)j), Vector512<float>.Zero);
                    v.StoreUnsafe(ref yRef, (nuint)at);
                    if (dropout)
                        (v * Vector512.LoadUnsafe(ref mRef, (nuint)at)).StoreUnsafe(ref dRef, (nuint)at);
                }
            }

            for (; j < width; j++)
            {
                nint at = row + j;
                float v = MathF.Max(Unsafe.Add(ref zRef, at) + Unsafe.Add(ref bRef, j), 0f);
                Unsafe.Add(ref yRef, at) = v;
                if (dropout)
                    Unsafe.Add(ref dRef, at) = v * Unsafe.Add(ref mRef, at);
            }
        }
    }

    /// <summary>In place: g = y > 0 ? g·mask : 0 (no mask: g = y > 0 ? g : 0). All spans of one length.</summary>
    public static void Backward(ReadOnlySpan<float> y, ReadOnlySpan<float> mask, Span<float> gradient)
    {
        int n = gradient.Length, i = 0;
        bool dropout = !mask.IsEmpty;
        if (y.Length < n || (dropout && mask.Length < n))
            throw new ArgumentException($"Expected {n} activations and mask values.");
        ref float yRef = ref MemoryMarshal.GetReference(y);
        ref float mRef = ref MemoryMarshal.GetReference(mask);
        ref float gRef = ref MemoryMarshal.GetReference(gradient);
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var g = Vector512.LoadUnsafe(ref gRef, (nuint)i);
                if (dropout)
                    g *= Vector512.LoadUnsafe(ref mRef, (nuint)i);
                var active = Vector512.GreaterThan(Vector512.LoadUnsafe(ref yRef, (nuint)i), Vector512<float>.Zero);
                Vector512.ConditionalSelect(active, g, Vector512<float>.Zero).StoreUnsafe(ref gRef, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            float g = Unsafe.Add(ref gRef, i);
            if (dropout)
                g *= Unsafe.Add(ref mRef, i);
            Unsafe.Add(ref gRef, i) = Unsafe.Add(ref yRef, i) > 0f ? g : 0f;
        }
    }
}
