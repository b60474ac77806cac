// SplitMix64 (Steele, Lea, Flood 2014): a counter plus a strong 64-bit finaliser. Used only to turn
// seeds (and seed/stream/substream triples) into well-mixed xoshiro states, as Vigna recommends.
namespace ClusterMnist.Core.Randomness;

internal static class SplitMix64
{
    private const ulong Increment = 0x9E3779B97F4A7C15UL;

    /// <summary>Advances <paramref name="state"/> and returns the next output.</summary>
    public static ulong Next(ref ulong state)
    {
        state += Increment;
        return Mix(state);
    }

    /// <summary>The finaliser alone: a bijection on 64-bit values with good avalanche.</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
