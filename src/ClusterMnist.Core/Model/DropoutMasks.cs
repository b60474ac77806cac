// Dropout masks of many generator streams at once. Stream j fills its span with 0 or 1/(1 − rate), one draw per element
// in order: an element is dropped when the top 24 bits u of the stream's next xoshiro256** output satisfy u·2^−24 < rate,
// i.e. u < ⌈rate·2^24⌉ (exactly Rng.NextFloat() < rate). Why fast: a training pass needs one stream per shard and hidden
// layer, all known before the forward pass, and a single stream is a serial chain of ~15 scalar operations per element.
// With AVX-512 up to 8 streams advance in the lanes of four zmm registers (shifts and adds make the multiplications by 5
// and 9, vprolq the rotations), each step yields one mask value per stream, and every 8 steps an 8×8 transpose turns
// them into 8 consecutive values of each stream; with AVX2, the same in two halves of four ymm lanes. Streams advance in lockstep for the shortest one's length (in whole
// groups of 8); what remains is batched again, and the last few values of each stream are drawn one by one.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using ClusterMnist.Core.Kernels;
using ClusterMnist.Core.Randomness;

namespace ClusterMnist.Core.Model;

/// <summary>One stream of dropout draws: <see cref="Count"/> mask values at <see cref="Offset"/> of layer <see cref="Layer"/>'s masks.</summary>
internal readonly record struct MaskStream(int Layer, int Offset, int Count, Rng Generator);

internal static class DropoutMasks
{
    private const int Lanes = 8;

    /// <summary>Fills every stream's span of <paramref name="masks"/>[Layer] with its draws.</summary>
    public static void Fill(ReadOnlySpan<MaskStream> streams, float rate, float[][] masks)
    {
        float scale = 1f / (1f - rate);
        ulong threshold = DropoutKernel.DropThreshold(rate);
        Span<RngState> states = streams.Length <= 64 ? stackalloc RngState[streams.Length] : new RngState[streams.Length];
        Span<int> done = streams.Length <= 64 ? stackalloc int[streams.Length] : new int[streams.Length];
        for (int i = 0; i < streams.Length; i++)
        {
            states[i] = streams[i].Generator.State;
            done[i] = 0;
            if (masks[streams[i].Layer].Length < streams[i].Offset + streams[i].Count)
                throw new ArgumentException($"Stream {i} reaches past layer {streams[i].Layer}'s masks.", nameof(streams));
        }

        bool wide = Avx512F.IsSupported && Vector512.IsHardwareAccelerated;
        if (wide || (Avx2.IsSupported && Vector256.IsHardwareAccelerated))
        {
            Span<int> lanes = stackalloc int[Lanes];
            while (true)
            {
                // The next batch: up to 8 streams with at least a group of 8 draws left, for the shortest one's whole groups.
                int count = 0, steps = int.MaxValue;
                for (int i = 0; i < streams.Length && count < Lanes; i++)
                {
                    int left = streams[i].Count - done[i];
                    if (left >= Lanes)
                    {
                        lanes[count++] = i;
                        steps = Math.Min(steps, left - (left % Lanes));
                    }
                }

                if (count == 0)
                    break;
                if (wide)
                    Lockstep(streams, masks, states, done, lanes[..count], steps, threshold, scale);
                else
                    LockstepVector256(streams, masks, states, done, lanes[..count], steps, threshold, scale);
            }
        }

        for (int i = 0; i < streams.Length; i++)
        {
            var stream = streams[i];
            DrawScalar(ref states[i], masks[stream.Layer].AsSpan(stream.Offset + done[i], stream.Count - done[i]), threshold, scale);
        }
    }

    // One element per step: u = next output >> 40; value = u < threshold ? 0 : scale. The generator is a local, whose
    // four words the JIT keeps in registers.
    private static void DrawScalar(ref RngState state, Span<float> mask, ulong threshold, float scale)
    {
        var rng = Rng.FromState(state);
        for (int i = 0; i < mask.Length; i++)
            mask[i] = (rng.NextUInt64() >> 40) < threshold ? 0f : scale;
        state = rng.State;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Lockstep(
        ReadOnlySpan<MaskStream> streams, float[][] masks, Span<RngState> states, Span<int> done, ReadOnlySpan<int> lanes, int steps,
        ulong threshold, float scale)
    {
        Span<ulong> words = stackalloc ulong[4 * Lanes];
        Span<int> layer = stackalloc int[Lanes];
        Span<int> offset = stackalloc int[Lanes];
        LoadLanes(streams, states, done, lanes, words, layer, offset);

        var s0 = Vector512.Create<ulong>(words[..Lanes]);
        var s1 = Vector512.Create<ulong>(words.Slice(Lanes, Lanes));
        var s2 = Vector512.Create<ulong>(words.Slice(2 * Lanes, Lanes));
        var s3 = Vector512.Create<ulong>(words.Slice(3 * Lanes, Lanes));
        var vThreshold = Vector512.Create(threshold);
        var vScale = Vector256.Create(scale);
        Span<float> drawn = stackalloc float[Lanes * Lanes];
        Span<float> transposed = stackalloc float[Lanes * Lanes];
        ref float drawnRef = ref MemoryMarshal.GetReference(drawn);
        ref float transposedRef = ref MemoryMarshal.GetReference(transposed);
        for (int e = 0; e < steps; e += Lanes)
        {
            // Row u of drawn holds draw e + u of every stream; after the transpose, row j holds draws e..e+7 of stream j.
            // The state stays in registers: the steps are written out here rather than in a helper taking it by ref, and
            // the transpose is inlined (a call would send the vector registers to the stack).
            for (int u = 0; u < Lanes; u++)
            {
                var x = Avx512F.RotateLeft((s1 << 2) + s1, 7);
                var result = (x << 3) + x;
                var t = s1 << 17;
                s2 ^= s0;
                s3 ^= s1;
                s1 ^= s2;
                s0 ^= s3;
                s2 ^= t;
                s3 = Avx512F.RotateLeft(s3, 45);
                var keep = Vector512.GreaterThanOrEqual(result >> 40, vThreshold);
                (Avx512F.ConvertToVector256UInt32(keep).AsSingle() & vScale).StoreUnsafe(ref drawnRef, (nuint)(u * Lanes));
            }

            RegisterTranspose.Transpose8x8(ref drawnRef, Lanes, ref transposedRef, Lanes);
            for (int j = 0; j < lanes.Length; j++)
                Vector256.LoadUnsafe(ref transposedRef, (nuint)(j * Lanes)).StoreUnsafe(ref masks[layer[j]][offset[j] + e]);
        }

        for (int j = 0; j < lanes.Length; j++)
        {
            states[lanes[j]] = new RngState(s0.GetElement(j), s1.GetElement(j), s2.GetElement(j), s3.GetElement(j));
            done[lanes[j]] += steps;
        }
    }
    // Lockstep on AVX2: the 8 streams' states are two ymm halves of 4 lanes per word. The same xoshiro256** steps,
    // rotations as two shifts and an or, multiplications by 5 and 9 as shifts and adds; a half's keep mask (64-bit
    // lanes) narrows with the other half's into 8 floats, one draw of each stream, transposed every 8 steps as above.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void LockstepVector256(
        ReadOnlySpan<MaskStream> streams, float[][] masks, Span<RngState> states, Span<int> done, ReadOnlySpan<int> lanes, int steps,
        ulong threshold, float scale)
    {
        const int Half = Lanes / 2;
        Span<ulong> words = stackalloc ulong[4 * Lanes];
        Span<int> layer = stackalloc int[Lanes];
        Span<int> offset = stackalloc int[Lanes];
        LoadLanes(streams, states, done, lanes, words, layer, offset);

        var a0 = Vector256.Create<ulong>(words[..Half]);
        var b0 = Vector256.Create<ulong>(words.Slice(Half, Half));
        var a1 = Vector256.Create<ulong>(words.Slice(Lanes, Half));
        var b1 = Vector256.Create<ulong>(words.Slice(Lanes + Half, Half));
        var a2 = Vector256.Create<ulong>(words.Slice(2 * Lanes, Half));
        var b2 = Vector256.Create<ulong>(words.Slice((2 * Lanes) + Half, Half));
        var a3 = Vector256.Create<ulong>(words.Slice(3 * Lanes, Half));
        var b3 = Vector256.Create<ulong>(words.Slice((3 * Lanes) + Half, Half));
        var vThreshold = Vector256.Create((long)threshold);
        var vScale = Vector256.Create(scale);
        Span<float> drawn = stackalloc float[Lanes * Lanes];
        Span<float> transposed = stackalloc float[Lanes * Lanes];
        ref float drawnRef = ref MemoryMarshal.GetReference(drawn);
        ref float transposedRef = ref MemoryMarshal.GetReference(transposed);
        for (int e = 0; e < steps; e += Lanes)
        {
            for (int u = 0; u < Lanes; u++)
            {
                var x = (a1 << 2) + a1;
                x = (x << 7) | (x >> 57);
                var keepA = Vector256.GreaterThanOrEqual((((x << 3) + x) >> 40).AsInt64(), vThreshold);
                var t = a1 << 17;
                a2 ^= a0;
                a3 ^= a1;
                a1 ^= a2;
                a0 ^= a3;
                a2 ^= t;
                a3 = (a3 << 45) | (a3 >> 19);

                x = (b1 << 2) + b1;
                x = (x << 7) | (x >> 57);
                var keepB = Vector256.GreaterThanOrEqual((((x << 3) + x) >> 40).AsInt64(), vThreshold);
                t = b1 << 17;
                b2 ^= b0;
                b3 ^= b1;
                b1 ^= b2;
                b0 ^= b3;
                b2 ^= t;
                b3 = (b3 << 45) | (b3 >> 19);

                (Vector256.Narrow(keepA, keepB).AsSingle() & vScale).StoreUnsafe(ref drawnRef, (nuint)(u * Lanes));
            }

            RegisterTranspose.Transpose8x8(ref drawnRef, Lanes, ref transposedRef, Lanes);
            for (int j = 0; j < lanes.Length; j++)
                Vector256.LoadUnsafe(ref transposedRef, (nuint)(j * Lanes)).StoreUnsafe(ref masks[layer[j]][offset[j] + e]);
        }

        for (int j = 0; j < lanes.Length; j++)
        {
            states[lanes[j]] = j < Half
                ? new RngState(a0.GetElement(j), a1.GetElement(j), a2.GetElement(j), a3.GetElement(j))
                : new RngState(b0.GetElement(j - Half), b1.GetElement(j - Half), b2.GetElement(j - Half), b3.GetElement(j - Half));
            done[lanes[j]] += steps;
        }
    }

    // words: the 4 state words of lane j at j, 8 + j, 16 + j, 24 + j; layer and offset: where lane j's draws go.
    // Lanes past the batch repeat its first stream; their values are never stored.
    private static void LoadLanes(
        ReadOnlySpan<MaskStream> streams, Span<RngState> states, Span<int> done, ReadOnlySpan<int> lanes, Span<ulong> words, Span<int> layer, Span<int> offset)
    {
        for (int j = 0; j < Lanes; j++)
        {
            int i = lanes[Math.Min(j, lanes.Length - 1)];
            var state = states[i];
            words[j] = state.S0;
            words[Lanes + j] = state.S1;
            words[(2 * Lanes) + j] = state.S2;
            words[(3 * Lanes) + j] = state.S3;
            layer[j] = streams[i].Layer;
            offset[j] = streams[i].Offset + done[i];
        }
    }
}
