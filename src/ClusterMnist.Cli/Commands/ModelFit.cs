using ClusterMnist.Cli.Hosting;
using ClusterMnist.Core.Data;
using ClusterMnist.Core.Model;

namespace ClusterMnist.Cli.Commands;

/// <summary>Checks that a network's input and output sizes suit a data set.</summary>
internal static class ModelFit
{
    /// <summary>A model that does not fit the images or the classes is a usage error, found before any training.</summary>
    public static void Check(ModelSpec spec, DataSplit data) => Check(spec, data.Name, data.Train, data.Test);

    /// <summary>The same check against the image sets of a data set named <paramref name="name"/>.</summary>
    public static void Check(ModelSpec spec, string name, params ImageSet[] sets)
    {
        if (spec.InputSize != sets[0].PixelsPerImage)
        {
            throw CliException.Usage($"model {spec} takes {spec.InputSize} inputs but {name} images have {sets[0].PixelsPerImage} pixels.");
        }

        var classes = sets.Max(MaxLabel) + 1;
        if (spec.OutputSize < classes)
        {
            throw CliException.Usage($"model {spec} has {spec.OutputSize} outputs but {name} has {classes} classes.");
        }
    }

    private static int MaxLabel(ImageSet set)
    {
        var max = 0;
        foreach (var label in set.Labels)
        {
            max = Math.Max(max, label);
        }

        return max;
    }
}
