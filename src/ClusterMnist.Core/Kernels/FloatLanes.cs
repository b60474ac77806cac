// Vector widths as types, for kernels whose code is the same at every width: the JIT compiles one copy of such a
// kernel per width, with each operation below inlined to the width's own instruction, so the generic form costs
// nothing against a hand-written copy per width. Only the operations those kernels use are here.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace ClusterMnist.Core.Kernels;

/// <summary>The float operations of one vector type <typeparamref name="TVector"/>, as static members.</summary>
internal interface IFloatLanes<TVector>
    where TVector : struct
{
    /// <summary>Floats per vector.</summary>
    static abstract int Count { get; }

    /// <summary>True when the processor runs this width in hardware (else a loop over it should not be taken).</summary>
    static abstract bool IsHardwareAccelerated { get; }

    static abstract TVector Zero { get; }

    static abstract TVector AllBitsSet { get; }

    static abstract TVector Load(ref float source, nuint index);

    static abstract TVector And(TVector left, TVector right);

    /// <summary>a·b + c, rounded once.</summary>
    static abstract TVector FusedMultiplyAdd(TVector a, TVector b, TVector c);

    /// <summary>The sum of the lanes, in the vector type's own (fixed) order.</summary>
    static abstract float Sum(TVector vector);

    /// <summary>A mask with every bit set in lanes <paramref name="first"/> and above, and clear below.</summary>
    static abstract TVector LanesFrom(int first);

    static abstract void Store(TVector vector, ref float destination, nuint index);

    static abstract TVector Add(TVector left, TVector right);

    static abstract TVector Multiply(TVector left, TVector right);

    /// <summary>Lane by lane the larger, with Math.Max's treatment of NaN and signed zeros.</summary>
    static abstract TVector Max(TVector left, TVector right);

    /// <summary>Lane by lane <paramref name="value"/> where <paramref name="test"/> is above zero, else zero.</summary>
    static abstract TVector WherePositive(TVector test, TVector value);
}

/// <summary>The vector widths of the width-generic kernels.</summary>
internal static class FloatLanes
{
    public readonly struct V512 : IFloatLanes<Vector512<float>>
    {
        public static int Count => Vector512<float>.Count;

        public static bool IsHardwareAccelerated => Vector512.IsHardwareAccelerated;

        public static Vector512<float> Zero => Vector512<float>.Zero;

        public static Vector512<float> AllBitsSet => Vector512<float>.AllBitsSet;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Load(ref float source, nuint index) => Vector512.LoadUnsafe(ref source, index);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> And(Vector512<float> left, Vector512<float> right) => left & right;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> FusedMultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) =>
            Vector512.FusedMultiplyAdd(a, b, c);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Sum(Vector512<float> vector) => Vector512.Sum(vector);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> LanesFrom(int first) =>
            Vector512.GreaterThanOrEqual(Vector512<int>.Indices, Vector512.Create(first)).AsSingle();

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store(Vector512<float> vector, ref float destination, nuint index) => vector.StoreUnsafe(ref destination, index);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Add(Vector512<float> left, Vector512<float> right) => left + right;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Multiply(Vector512<float> left, Vector512<float> right) => left * right;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Max(Vector512<float> left, Vector512<float> right) => Vector512.Max(left, right);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> WherePositive(Vector512<float> test, Vector512<float> value) =>
            Vector512.ConditionalSelect(Vector512.GreaterThan(test, Vector512<float>.Zero), value, Vector512<float>.Zero);
    }

    public readonly struct V256 : IFloatLanes<Vector256<float>>
    {
        public static int Count => Vector256<float>.Count;

        public static bool IsHardwareAccelerated => Vector256.IsHardwareAccelerated;

        public static Vector256<float> Zero => Vector256<float>.Zero;

        public static Vector256<float> AllBitsSet => Vector256<float>.AllBitsSet;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Load(ref float source, nuint index) => Vector256.LoadUnsafe(ref source, index);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> And(Vector256<float> left, Vector256<float> right) => left & right;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> FusedMultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) =>
            Vector256.FusedMultiplyAdd(a, b, c);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Sum(Vector256<float> vector) => Vector256.Sum(vector);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> LanesFrom(int first) =>
            Vector256.GreaterThanOrEqual(Vector256<int>.Indices, Vector256.Create(first)).AsSingle();

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store(Vector256<float> vector, ref float destination, nuint index) => vector.StoreUnsafe(ref destination, index);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Add(Vector256<float> left, Vector256<float> right) => left + right;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Multiply(Vector256<float> left, Vector256<float> right) => left * right;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Max(Vector256<float> left, Vector256<float> right) => Vector256.Max(left, right);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> WherePositive(Vector256<float> test, Vector256<float> value) =>
            Vector256.ConditionalSelect(Vector256.GreaterThan(test, Vector256<float>.Zero), value, Vector256<float>.Zero);
    }
}
