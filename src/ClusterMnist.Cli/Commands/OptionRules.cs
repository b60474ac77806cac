using System.CommandLine;
using System.CommandLine.Parsing;
using System.Numerics;

namespace ClusterMnist.Cli.Commands;

/// <summary>Range checks attached to options, so a bad number is a usage error before any work starts.</summary>
internal static class OptionRules
{
    // Validators also run when the text did not convert (e.g. "--lr abc"); the parser has already reported that.
    private static T? ValueOf<T>(OptionResult result)
        where T : struct
    {
        try
        {
            return result.GetValueOrDefault<T?>();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    public static Option<T?> AtLeast<T>(this Option<T?> option, T minimum)
        where T : struct, INumber<T>
    {
        option.Validators.Add(result =>
        {
            var value = ValueOf<T>(result);
            if (value is { } v && (v < minimum || !T.IsFinite(v)))
            {
                result.AddError($"{option.Name} must be at least {minimum}, not {v}.");
            }
        });
        return option;
    }

    public static Option<T?> Between<T>(this Option<T?> option, T minimum, T maximumExclusive)
        where T : struct, INumber<T>
    {
        option.Validators.Add(result =>
        {
            var value = ValueOf<T>(result);
            if (value is { } v && (v < minimum || v >= maximumExclusive || T.IsNaN(v)))
            {
                result.AddError($"{option.Name} must be in [{minimum}, {maximumExclusive}), not {v}.");
            }
        });
        return option;
    }

    /// <summary>Both ends allowed: e.g. a port in [0, 65535].</summary>
    public static Option<T?> InRange<T>(this Option<T?> option, T minimum, T maximum)
        where T : struct, IBinaryInteger<T>
    {
        option.Validators.Add(result =>
        {
            var value = ValueOf<T>(result);
            if (value is { } v && (v < minimum || v > maximum))
            {
                result.AddError($"{option.Name} must be in [{minimum}, {maximum}], not {v}.");
            }
        });
        return option;
    }

    public static Option<T?> Positive<T>(this Option<T?> option)
        where T : struct, INumber<T>
    {
        option.Validators.Add(result =>
        {
            var value = ValueOf<T>(result);
            if (value is { } v && !(v > T.Zero && T.IsFinite(v)))
            {
                result.AddError($"{option.Name} must be a finite number greater than 0, not {v}.");
            }
        });
        return option;
    }
}
