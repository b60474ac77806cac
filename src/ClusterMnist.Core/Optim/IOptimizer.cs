namespace ClusterMnist.Core.Optim;

/// <summary>
/// An update rule over one flat parameter buffer. All mutable state (velocity, moments) lives in the
/// caller's flat <c>state</c> buffer so a checkpoint can save it as plain floats.
/// </summary>
public interface IOptimizer
{
    /// <summary>Floats of state needed for <paramref name="parameterCount"/> parameters (0 for plain SGD).</summary>
    int StateLength(int parameterCount);

    /// <summary>Applies one update in place. <paramref name="step"/> is 1-based (Adam's bias correction uses it).</summary>
    void Step(Span<float> parameters, ReadOnlySpan<float> gradient, Span<float> state, long step, float learningRate);
}
