using System.Globalization;

namespace ClusterMnist.Core.Model;

// The text form: sizes joined by '-', then optional '/'-separated parts in any order:
// an activation name, an output name, and dropout=<rate>.
public sealed partial record ModelSpec
{
    private static readonly (string Name, Activation Value)[] ActivationNames =
        [("relu", Activation.Relu), ("elu", Activation.Elu), ("sigmoid", Activation.Sigmoid), ("tanh", Activation.Tanh)];

    private static readonly (string Name, OutputLoss Value)[] OutputNames =
        [("softmax-ce", OutputLoss.SoftmaxCrossEntropy), ("sigmoid-mse", OutputLoss.SigmoidSquaredError)];

    /// <summary>
    /// Reads <c>784-256-128-10</c> (relu, softmax-ce, no dropout) or the canonical
    /// <c>784-256-128-10/relu/softmax-ce/dropout=0.2</c>. Names are case-insensitive.
    /// </summary>
    /// <exception cref="FormatException">The text is not a model spec; the message says which part and why.</exception>
    public static ModelSpec Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split('/', StringSplitOptions.TrimEntries);
        var sizes = ParseSizes(parts[0], text);

        Activation? hidden = null;
        OutputLoss? output = null;
        float? dropout = null;
        foreach (var part in parts.AsSpan(1))
        {
            if (part.StartsWith("dropout=", StringComparison.OrdinalIgnoreCase))
            {
                Once(dropout, "dropout", text);
                dropout = ParseDropout(part["dropout=".Length..], text);
            }
            else if (TryFind(ActivationNames, part, out var activation))
            {
                Once(hidden, "activation", text);
                hidden = activation;
            }
            else if (TryFind(OutputNames, part, out var loss))
            {
                Once(output, "output", text);
                output = loss;
            }
            else
            {
                throw new FormatException(
                    $"Model spec '{text}': unknown part '{part}'. Expected an activation ({Names(ActivationNames)}), "
                    + $"an output ({Names(OutputNames)}) or dropout=<rate>.");
            }
        }

        return new ModelSpec(sizes, hidden ?? Activation.Relu, output ?? OutputLoss.SoftmaxCrossEntropy, dropout ?? 0f);
    }

    /// <summary>Like <see cref="Parse"/>, but returns false instead of throwing.</summary>
    public static bool TryParse(string? text, out ModelSpec? spec)
    {
        spec = null;
        if (text is null)
        {
            return false;
        }

        try
        {
            spec = Parse(text);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static int[] ParseSizes(string part, string text)
    {
        var pieces = part.Split('-', StringSplitOptions.TrimEntries);
        if (pieces.Length < 2)
        {
            throw new FormatException(
                $"Model spec '{text}': need at least an input and an output size joined by '-', e.g. 784-128-10.");
        }

        var sizes = new int[pieces.Length];
        for (var i = 0; i < pieces.Length; i++)
        {
            if (!int.TryParse(pieces[i], NumberStyles.None, CultureInfo.InvariantCulture, out sizes[i])
                && pieces[i].Length > 0 && pieces[i].All(char.IsAsciiDigit) && pieces[i].Any(c => c != '0'))
            {
                throw new FormatException($"Model spec '{text}': layer size '{pieces[i]}' is too large (at most {int.MaxValue:N0}).");
            }

            if (sizes[i] <= 0)
            {
                throw new FormatException(
                    $"Model spec '{text}': layer size '{pieces[i]}' is not a positive whole number.");
            }
        }

        return sizes;
    }

    private static float ParseDropout(string value, string text)
    {
        if (!float.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var rate) || !(rate >= 0f && rate < 1f))
        {
            throw new FormatException($"Model spec '{text}': dropout '{value}' must be a number in [0, 1), e.g. dropout=0.2.");
        }

        return rate;
    }

    private static void Once<T>(T? seen, string what, string text)
        where T : struct
    {
        if (seen.HasValue)
        {
            throw new FormatException($"Model spec '{text}' gives the {what} twice.");
        }
    }

    private static bool TryFind<T>((string Name, T Value)[] table, string name, out T value)
    {
        foreach (var entry in table)
        {
            if (string.Equals(entry.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                value = entry.Value;
                return true;
            }
        }

        value = default!;
        return false;
    }

    private static string Names<T>((string Name, T Value)[] table) => string.Join(", ", table.Select(e => e.Name));

    private static string ActivationName(Activation activation) => ActivationNames.First(e => e.Value == activation).Name;

    private static string OutputName(OutputLoss output) => OutputNames.First(e => e.Value == output).Name;
}
