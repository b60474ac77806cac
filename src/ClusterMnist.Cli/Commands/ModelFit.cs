using ClusterMnist.Cli.Hosting;
using ClusterMnist.Core.Data;
using ClusterMnist.Core.Model;

namespace ClusterMnist.Cli.Commands;

/// <summary>Checks that a network's input and output sizes suit a data set.</summary>
internal static class ModelFit
{
    /// <summary>A model that does not fit the images or the classes is a usage error, found before any training.</summary>
    public static void Check(ModelSpec spec, DataSplit data)
    {
        if (spec.InputSize != data.Train.PixelsPerImage)
        {
            throw CliException.Usage($"model {spec} takes {spec.InputSize} inputs but {data.Name} images have {data.Train.PixelsPerImage} pixels.");
        }

        var classes = MaxLabel(data) + 1;
        if (spec.OutputSize < classes)
        {
            throw CliException.Usage($"model {spec} has {spec.OutputSize} outputs but {data.Name} has {classes} classes.");
        }
    }

    private static int MaxLabel(DataSplit data)
    {
        var max = 0;
        foreach (var label in data.Train.Labels)
        {
            max = Math.Max(max, label);
        }

        foreach (var label in data.Test.Labels)
        {
            max = Math.Max(max, label);
        }

        return max;
    }
}
