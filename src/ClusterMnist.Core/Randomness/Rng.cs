// xoshiro256** (Blackman & Vigna 2018): 256-bit state, period 2^256 − 1, fast and statistically strong.
// A mutable struct on purpose: callers keep it in a local or field and advance it without allocation.
// Its whole state is four ulongs, so it can be checkpointed and resumed bit-for-bit.
namespace ClusterMnist.Core.Randomness;

/// <summary>Deterministic pseudo-random generator (xoshiro256**, seeded through SplitMix64).</summary>
public struct Rng
{
    // Odd constants that keep the stream and substream words from cancelling each other.
    private const ulong StreamSalt = 0xD1B54A32D192ED03UL;
    private const ulong SubstreamSalt = 0x8CB92BA72F3D8DD7UL;

    private ulong _s0;
    private ulong _s1;
    private ulong _s2;
    private ulong _s3;

    /// <summary>Creates a generator whose state is four SplitMix64 outputs from <paramref name="seed"/>.</summary>
    public Rng(ulong seed)
    {
        var sm = seed;
        _s0 = SplitMix64.Next(ref sm);
        _s1 = SplitMix64.Next(ref sm);
        _s2 = SplitMix64.Next(ref sm);
        _s3 = SplitMix64.Next(ref sm);
        if ((_s0 | _s1 | _s2 | _s3) == 0)
        {
            // Unreachable in practice; the all-zero state would emit zeros forever.
            _s0 = 0x9E3779B97F4A7C15UL;
        }
    }

    /// <summary>The generator's full state; <see cref="FromState"/> resumes from it exactly.</summary>
    public readonly RngState State => new(_s0, _s1, _s2, _s3);

    /// <summary>
    /// A generator for one stream of a seed, e.g. (seed, epoch) or (seed, step, shard). Each word passes through the
    /// SplitMix64 finaliser in turn, so neighbouring streams start from unrelated states and never overlap in practice.
    /// </summary>
    public static Rng ForStream(ulong seed, ulong stream, ulong substream = 0)
    {
        var mixed = SplitMix64.Mix(seed);
        mixed = SplitMix64.Mix(mixed ^ (stream * StreamSalt) ^ StreamSalt);
        mixed = SplitMix64.Mix(mixed ^ (substream * SubstreamSalt) ^ SubstreamSalt);
        return new Rng(mixed);
    }

    /// <summary>Restores a generator saved with <see cref="State"/>.</summary>
    /// <exception cref="ArgumentException">The state is all zero, which xoshiro cannot leave.</exception>
    public static Rng FromState(RngState state)
    {
        if ((state.S0 | state.S1 | state.S2 | state.S3) == 0)
        {
            throw new ArgumentException("An all-zero xoshiro256** state is invalid (it only produces zeros).", nameof(state));
        }

        var rng = default(Rng);
        rng._s0 = state.S0;
        rng._s1 = state.S1;
        rng._s2 = state.S2;
        rng._s3 = state.S3;
        return rng;
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        var result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>The next 32 random bits (the high half, which is the stronger one).</summary>
    public uint NextUInt32() => (uint)(NextUInt64() >> 32);

    /// <summary>A uniform integer in [0, <paramref name="maxExclusive"/>), without modulo bias (Lemire 2019).</summary>
    public int NextInt(int maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxExclusive);
        var range = (uint)maxExclusive;
        var product = (ulong)NextUInt32() * range;
        var low = (uint)product;
        if (low < range)
        {
            // Reject the few low words that would over-represent some results.
            var threshold = (0u - range) % range;
            while (low < threshold)
            {
                product = (ulong)NextUInt32() * range;
                low = (uint)product;
            }
        }

        return (int)(product >> 32);
    }

    /// <summary>A uniform float in [0, 1): the top 24 bits scaled by 2^-24, so every value is exact.</summary>
    public float NextFloat() => (NextUInt64() >> 40) * (1.0f / (1 << 24));

    /// <summary>A uniform double in [0, 1): the top 53 bits scaled by 2^-53.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>
    /// A standard normal sample (Box–Muller). Uses two uniforms per call and keeps no spare, so the
    /// four-word <see cref="State"/> remains the whole state.
    /// </summary>
    public double NextGaussian()
    {
        // 1 − u lies in (0, 1], so the logarithm is finite.
        var u1 = 1.0 - NextDouble();
        var u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>Shuffles <paramref name="values"/> in place (Fisher–Yates, each permutation equally likely).</summary>
    public void Shuffle(Span<int> values)
    {
        for (var i = values.Length - 1; i > 0; i--)
        {
            var j = NextInt(i + 1);
            (values[i], values[j]) = (values[j], values[i]);
        }
    }
}
