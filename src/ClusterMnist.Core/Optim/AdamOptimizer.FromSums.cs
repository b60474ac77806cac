// Adam fed straight from the exact reduction's int32 sums, for the coordinator's pass: per element
//   s = first + second (the deferred partials), total = s, g = (float)s · 2^e, then Adam's update as in Update,
//   and the new parameter copied out for the workers,
// in one pass instead of four (add the partials, dequantize, update, copy). The operations per element are those of
// ExactGradientSum.ProduceRange then Update: integer addition, an exact int→float conversion rounding once and a
// multiplication by a power of two (the same result in vector and scalar form, as 2^e keeps it normal or infinite),
// then Adam's IEEE operations in the same order, so the parameters are bitwise the same, in the Vector512, Vector256
// and scalar loops alike.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ClusterMnist.Core.Optim;

public sealed partial class AdamOptimizer
{
    /// <summary>
    /// Updates one range from its int32 sums: <paramref name="first"/> (+ <paramref name="second"/> when not empty)
    /// scaled by <paramref name="scale"/> is the gradient; the sum is also written to <paramref name="total"/>, and the
    /// new parameters to <paramref name="copy"/> when it is not empty. All spans have the range's length (or are empty).
    /// </summary>
    internal void UpdateFromSums(
        ReadOnlySpan<int> first, ReadOnlySpan<int> second, Span<int> total, float scale,
        Span<float> parameters, Span<float> firstMoments, Span<float> secondMoments, Span<float> copy, long step, float lr)
        => UpdateFromSums(first, second, total, scale, parameters, firstMoments, secondMoments, copy, step, lr,
            Vector512.IsHardwareAccelerated, Vector256.IsHardwareAccelerated);

    internal void UpdateFromSums(
        ReadOnlySpan<int> first, ReadOnlySpan<int> second, Span<int> total, float scale,
        Span<float> parameters, Span<float> firstMoments, Span<float> secondMoments, Span<float> copy, long step, float lr,
        bool use512, bool use256)
    {
        int n = parameters.Length, i = 0;
        bool two = !second.IsEmpty, copying = !copy.IsEmpty;
        if (first.Length != n || total.Length != n || firstMoments.Length != n || secondMoments.Length != n || (two && second.Length != n)
            || (copying && copy.Length != n))
        {
            throw new ArgumentException("The spans of one range differ in length.");
        }

        ref int a = ref MemoryMarshal.GetReference(first);
        ref int b = ref MemoryMarshal.GetReference(second);
        ref int s = ref MemoryMarshal.GetReference(total);
        ref float p = ref MemoryMarshal.GetReference(parameters);
        ref float m = ref MemoryMarshal.GetReference(firstMoments);
        ref float v = ref MemoryMarshal.GetReference(secondMoments);
        ref float c = ref MemoryMarshal.GetReference(copy);
        var coefficients = CoefficientsOf(step, lr);
        var (b1, b2, a1, a2, c1, c2, l2, keep) = coefficients;
        float eps = _epsilon;
        if (use512)
        {
            Vector512<float> vb1 = Vector512.Create(b1), vb2 = Vector512.Create(b2), va1 = Vector512.Create(a1), va2 = Vector512.Create(a2);
            Vector512<float> vc1 = Vector512.Create(c1), vc2 = Vector512.Create(c2), veps = Vector512.Create(eps);
            Vector512<float> vl2 = Vector512.Create(l2), vkeep = Vector512.Create(keep), vlr = Vector512.Create(lr), vScale = Vector512.Create(scale);
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var sum = Vector512.LoadUnsafe(ref a, (nuint)i);
                if (two)
                    sum += Vector512.LoadUnsafe(ref b, (nuint)i);
                sum.StoreUnsafe(ref s, (nuint)i);
                var g = Vector512.ConvertToSingle(sum) * vScale;
                var th = Vector512.LoadUnsafe(ref p, (nuint)i);
                var t = g + vl2 * th;
                var mm = vb1 * Vector512.LoadUnsafe(ref m, (nuint)i) + va1 * t;
                var vv = vb2 * Vector512.LoadUnsafe(ref v, (nuint)i) + va2 * (t * t);
                mm.StoreUnsafe(ref m, (nuint)i);
                vv.StoreUnsafe(ref v, (nuint)i);
                var updated = vkeep * th - vlr * (mm * vc1) / (Vector512.Sqrt(vv * vc2) + veps);
                updated.StoreUnsafe(ref p, (nuint)i);
                if (copying)
                    updated.StoreUnsafe(ref c, (nuint)i);
            }
        }

        if (use256)
        {
            Vector256<float> vb1 = Vector256.Create(b1), vb2 = Vector256.Create(b2), va1 = Vector256.Create(a1), va2 = Vector256.Create(a2);
            Vector256<float> vc1 = Vector256.Create(c1), vc2 = Vector256.Create(c2), veps = Vector256.Create(eps);
            Vector256<float> vl2 = Vector256.Create(l2), vkeep = Vector256.Create(keep), vlr = Vector256.Create(lr), vScale = Vector256.Create(scale);
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var sum = Vector256.LoadUnsafe(ref a, (nuint)i);
                if (two)
                    sum += Vector256.LoadUnsafe(ref b, (nuint)i);
                sum.StoreUnsafe(ref s, (nuint)i);
                var g = Vector256.ConvertToSingle(sum) * vScale;
                var th = Vector256.LoadUnsafe(ref p, (nuint)i);
                var t = g + vl2 * th;
                var mm = vb1 * Vector256.LoadUnsafe(ref m, (nuint)i) + va1 * t;
                var vv = vb2 * Vector256.LoadUnsafe(ref v, (nuint)i) + va2 * (t * t);
                mm.StoreUnsafe(ref m, (nuint)i);
                vv.StoreUnsafe(ref v, (nuint)i);
                var updated = vkeep * th - vlr * (mm * vc1) / (Vector256.Sqrt(vv * vc2) + veps);
                updated.StoreUnsafe(ref p, (nuint)i);
                if (copying)
                    updated.StoreUnsafe(ref c, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            int sum = Unsafe.Add(ref a, i) + (two ? Unsafe.Add(ref b, i) : 0);
            Unsafe.Add(ref s, i) = sum;
            float updated = UpdateElement(sum * scale, Unsafe.Add(ref p, i), ref Unsafe.Add(ref m, i), ref Unsafe.Add(ref v, i), coefficients, lr);
            Unsafe.Add(ref p, i) = updated;
            if (copying)
                Unsafe.Add(ref c, i) = updated;
        }
    }
}
