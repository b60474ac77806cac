using System.Globalization;
using System.Text;

namespace ClusterMnist.Core.Model;

/// <summary>
/// The architecture of a fully connected network: layer sizes (input first, output last), the hidden
/// activation, the output loss and the dropout rate on hidden activations. Written as
/// <c>784-256-128-10/relu/softmax-ce/dropout=0.2</c> (see <see cref="Parse"/> and <see cref="ToString"/>).
/// </summary>
public sealed partial record ModelSpec(IReadOnlyList<int> LayerSizes, Activation Hidden, OutputLoss Output, float Dropout)
{
    /// <summary>Layer widths, input first; at least two, all positive. Stored as a private copy.</summary>
    public IReadOnlyList<int> LayerSizes { get; init => field = CheckSizes(value); } = CheckSizes(LayerSizes);

    /// <summary>Activation after each hidden layer.</summary>
    public Activation Hidden { get; init => field = CheckDefined(value); } = CheckDefined(Hidden);

    /// <summary>Output non-linearity and loss.</summary>
    public OutputLoss Output { get; init => field = CheckDefined(value); } = CheckDefined(Output);

    /// <summary>Probability of dropping a hidden activation during training, in [0, 1).</summary>
    public float Dropout { get; init => field = CheckDropout(value); } = CheckDropout(Dropout);

    /// <summary>Width of the input layer (784 for MNIST).</summary>
    public int InputSize => LayerSizes[0];

    /// <summary>Width of the output layer (the number of classes).</summary>
    public int OutputSize => LayerSizes[^1];

    /// <summary>Number of dense layers (one fewer than the number of sizes).</summary>
    public int LayerCount => LayerSizes.Count - 1;

    /// <summary>Total weights and biases: Σ (in·out + out).</summary>
    public int ParameterCount => checked((int)CountParameters(LayerSizes));

    /// <summary>
    /// Floating-point operations of the matrix products that training does per sample, an FMA counting as two:
    /// the forward product (2·in·out per layer), the weight gradient (the same again) and the input gradient of
    /// every layer but the first (whose input needs none). Bias, activation, loss and optimizer work is not counted.
    /// </summary>
    public long TrainingFlopsPerSample
    {
        get
        {
            long flops = 0;
            for (var l = 0; l < LayerCount; l++)
            {
                long products = (long)LayerSizes[l] * LayerSizes[l + 1];
                flops += (l == 0 ? 4 : 6) * products;
            }

            return flops;
        }
    }

    /// <summary>Value equality that compares <see cref="LayerSizes"/> element by element.</summary>
    public bool Equals(ModelSpec? other)
    {
        if (other is null)
        {
            return false;
        }

        if (ReferenceEquals(this, other))
        {
            return true;
        }

        if (Hidden != other.Hidden || Output != other.Output || !Dropout.Equals(other.Dropout)
            || LayerSizes.Count != other.LayerSizes.Count)
        {
            return false;
        }

        for (var i = 0; i < LayerSizes.Count; i++)
        {
            if (LayerSizes[i] != other.LayerSizes[i])
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var size in LayerSizes)
        {
            hash.Add(size);
        }

        hash.Add(Hidden);
        hash.Add(Output);
        hash.Add(Dropout);
        return hash.ToHashCode();
    }

    /// <summary>The canonical form, e.g. <c>784-256-128-10/relu/softmax-ce/dropout=0.2</c>; <see cref="Parse"/> reads it back.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        for (var i = 0; i < LayerSizes.Count; i++)
        {
            if (i > 0)
            {
                text.Append('-');
            }

            text.Append(LayerSizes[i].ToString(CultureInfo.InvariantCulture));
        }

        text.Append('/').Append(ActivationName(Hidden));
        text.Append('/').Append(OutputName(Output));
        text.Append("/dropout=").Append(Dropout.ToString("R", CultureInfo.InvariantCulture));
        return text.ToString();
    }

    private static int[] CheckSizes(IReadOnlyList<int> sizes)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        if (sizes.Count < 2)
        {
            throw new ArgumentException(
                $"A model needs at least an input and an output layer (e.g. 784-10); got {sizes.Count} size(s).", nameof(LayerSizes));
        }

        var copy = new int[sizes.Count];
        for (var i = 0; i < copy.Length; i++)
        {
            if (sizes[i] <= 0)
            {
                throw new ArgumentException($"Layer {i} has size {sizes[i]}; every layer size must be positive.", nameof(LayerSizes));
            }

            copy[i] = sizes[i];
        }

        // One flat parameter buffer holds every weight and bias: the count must fit in an array.
        long parameters = CountParameters(copy);
        if (parameters > Array.MaxLength)
        {
            throw new ArgumentException(
                $"Layer sizes {string.Join('-', copy)} make {parameters:N0} parameters; a model holds at most {Array.MaxLength:N0}.", nameof(LayerSizes));
        }

        return copy;
    }

    // Σ (in·out + out) over the layers, in 64 bits so that oversized specs can be told apart.
    private static long CountParameters(IReadOnlyList<int> sizes)
    {
        long count = 0;
        for (var l = 0; l + 1 < sizes.Count; l++)
        {
            count += ((long)sizes[l] * sizes[l + 1]) + sizes[l + 1];
        }

        return count;
    }

    private static float CheckDropout(float dropout)
    {
        if (!(dropout >= 0f && dropout < 1f))
        {
            throw new ArgumentOutOfRangeException(
                nameof(Dropout), dropout, "Dropout is the probability of dropping a unit and must be in [0, 1).");
        }

        // Fold −0 into +0 so equal specs print and hash the same.
        return dropout == 0f ? 0f : dropout;
    }

    private static T CheckDefined<T>(T value)
        where T : struct, Enum
    {
        if (!Enum.IsDefined(value))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, $"Unknown {typeof(T).Name} value.");
        }

        return value;
    }
}
