namespace ClusterMnist.Core.Training;

/// <summary>
/// The per-segment power-of-two exponents e_t of the exact gradient reduction (part of the training state).
/// Next-step rule: after a successful step, e_t becomes the smallest e with maxAbs_t·4 ≤ L·2^e (4× headroom
/// for the gradient growing), and a segment whose max was 0 keeps its exponent. Redo rule: when some shard
/// overflowed segment t, e_t is recomputed from the max over all shards, which every shard then fits under.
/// Both rules read only order-free facts (max, or), so every partition of the shards makes the same decision.
/// </summary>
public sealed class ReductionExponents
{
    /// <summary>Headroom factor of the next-step rule.</summary>
    public const float Headroom = 4f;

    /// <summary>Smallest exponent allowed: 2^−e stays a normal float.</summary>
    public const int MinExponent = -126;

    /// <summary>Largest exponent allowed: 2^e stays a normal float.</summary>
    public const int MaxExponent = 126;

    /// <summary>Magnitude assumed for the first step; the redo rule corrects a wrong guess.</summary>
    public const float InitialMaxAbsGuess = 1f;

    private readonly int[] _values;
    private readonly float _limit;

    /// <summary>Starts every segment of <paramref name="layout"/> from <see cref="InitialMaxAbsGuess"/>.</summary>
    public ReductionExponents(GradientLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        _limit = layout.Limit;
        _values = new int[layout.SegmentCount];
        Array.Fill(_values, ExponentFor(InitialMaxAbsGuess, _limit));
    }

    /// <summary>Restores saved exponents (from a checkpoint).</summary>
    public ReductionExponents(GradientLayout layout, ReadOnlySpan<int> values)
    {
        ArgumentNullException.ThrowIfNull(layout);
        if (values.Length != layout.SegmentCount)
            throw new ArgumentException($"Expected {layout.SegmentCount} exponents, got {values.Length}.", nameof(values));
        for (int i = 0; i < values.Length; i++)
        {
            // Named with its real value and sign (|int.MinValue| does not exist).
            if (values[i] is < -MaxExponent or > MaxExponent)
                throw new ArgumentException($"reduction exponent {i} is {values[i]}; exponents lie within ±{MaxExponent}.");
        }
        _limit = layout.Limit;
        _values = values.ToArray();
    }

    /// <summary>The current exponents, one per segment.</summary>
    public ReadOnlySpan<int> Values => _values;

    /// <summary>Applies the next-step rule using the step's total (its per-segment max |g|).</summary>
    public void AdvanceAfterStep(GradientPartial total)
    {
        ArgumentNullException.ThrowIfNull(total);
        for (int t = 0; t < _values.Length; t++)
        {
            if (total.MaxAbs[t] > 0f)
                _values[t] = ExponentFor(total.MaxAbs[t], _limit);
        }
    }

    /// <summary>Applies the redo rule to the overflowed segments of <paramref name="total"/>.</summary>
    /// <exception cref="TrainingDivergedException">A gradient is non-finite or too large for any exponent.</exception>
    public void RaiseForRedo(GradientPartial total)
    {
        ArgumentNullException.ThrowIfNull(total);
        if (total.NonFinite)
            throw new TrainingDivergedException("Training diverged: a gradient became NaN or infinite. Try a lower learning rate.");
        for (int t = 0; t < _values.Length; t++)
        {
            if (!total.Overflow[t])
                continue;
            int raised = ExponentFor(total.MaxAbs[t], _limit);
            if (raised <= _values[t])
                throw new TrainingDivergedException($"Training diverged: gradient magnitude {total.MaxAbs[t]} in segment {t} is too large to reduce exactly.");
            _values[t] = raised;
        }
    }

    /// <summary>The smallest e with maxAbs·<see cref="Headroom"/> ≤ limit·2^e, clamped to the allowed range.</summary>
    public static int ExponentFor(float maxAbs, float limit)
    {
        if (!float.IsFinite(maxAbs) || maxAbs < 0f)
            throw new TrainingDivergedException($"Training diverged: gradient magnitude {maxAbs}.");
        if (maxAbs == 0f)
            return MinExponent;
        double need = (double)maxAbs * Headroom;   // exact in double, as are the ScaleB products below
        int e = (int)Math.Ceiling(Math.Log2(need / limit));
        while (need > Math.ScaleB(limit, e))
            e++;
        while (need <= Math.ScaleB(limit, e - 1))
            e--;
        return Math.Clamp(e, MinExponent, MaxExponent);
    }

    /// <summary>2^<paramref name="exponent"/> as a float, exact for |exponent| ≤ 126.</summary>
    internal static float PowerOfTwo(int exponent) => BitConverter.Int32BitsToSingle((exponent + 127) << 23);
}
