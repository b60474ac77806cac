// Elementwise passes over the parameter vector (produce the gradient, apply the optimizer, copy the parameters)
// cut into a few slices that run at once: the calling thread and thread-pool threads. Each element's result
// depends only on that element, so the parameters are bitwise the same for any number of slices; the bounds are
// multiples of 64 elements so that most of each slice runs in the widest vector loop.
namespace ClusterMnist.Core.Training;

/// <summary>Splits [0, length) into aligned slices and runs a pass over them in parallel.</summary>
internal static class ParameterSlices
{
    /// <summary>Slice bounds are multiples of this many elements (except the end).</summary>
    public const int Alignment = 64;

    /// <summary>Below this many elements per slice, waking another thread costs more than it saves.</summary>
    public const int MinimumSlice = 32 * 1024;

    /// <summary>Slices for <paramref name="length"/> elements: one per core, each at least <see cref="MinimumSlice"/>.</summary>
    public static int CountFor(int length) => Math.Clamp(length / MinimumSlice, 1, Environment.ProcessorCount);

    /// <summary>The bounds of slice <paramref name="index"/> of <paramref name="count"/> (may be empty).</summary>
    public static (int Start, int End) Bounds(int length, int count, int index)
    {
        int per = ((length / count) + Alignment - 1) / Alignment * Alignment;
        int start = Math.Min((int)Math.Min((long)index * per, length), length);
        int end = index == count - 1 ? length : Math.Min(start + per, length);
        return (start, end);
    }

    /// <summary>Runs <paramref name="body"/>(start, end) over <paramref name="count"/> slices of [0, <paramref name="length"/>).</summary>
    public static void Run(int length, int count, Action<int, int> body)
    {
        if (count <= 1)
        {
            body(0, length);
            return;
        }
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = count }, index =>
        {
            var (start, end) = Bounds(length, count, index);
            if (start < end)
                body(start, end);
        });
    }
}
