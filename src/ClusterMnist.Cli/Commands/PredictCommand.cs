using System.CommandLine;
using System.Globalization;
using ClusterMnist.Cli.Hosting;
using ClusterMnist.Core.Imaging;
using ClusterMnist.Core.Model;

namespace ClusterMnist.Cli.Commands;

/// <summary>`predict`: the class and the ten probabilities for each image file.</summary>
internal static class PredictCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { HelpName = "FILE", Description = "Checkpoint written by `train --checkpoint`.", Required = true };
        var images = new Argument<string[]>("images")
        {
            Description = "PNG, PGM or CSV-row images (any size; normalised like MNIST).",
            Arity = ArgumentArity.OneOrMore,
        };
        var command = new Command("predict", "Classify images with a trained checkpoint.") { model, images };
        command.SetAction(parseResult =>
        {
            var console = CliConsole.From(parseResult);
            var file = ModelFile.Load(parseResult.GetValue(model)!);
            return Run(console, file, parseResult.GetValue(images)!);
        });
        return command;
    }

    private static int Run(CliConsole console, ModelFile file, IReadOnlyList<string> paths)
    {
        var network = new Network(file.Spec);
        var workspace = network.CreateWorkspace(1);
        var outputs = new float[file.Spec.OutputSize];
        var failures = 0;
        foreach (var path in paths)
        {
            float[] pixels;
            try
            {
                pixels = DigitImage.Load(path);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // One bad file should not hide the answers for the others; the exit code still reports it.
                var (message, _) = ErrorReport.Describe(e);
                console.Error.WriteLine(message.Contains(path, StringComparison.Ordinal) ? $"error: {message}" : $"error: {path}: {message}");
                failures++;
                continue;
            }

            if (pixels.Length != file.Spec.InputSize)
            {
                console.Error.WriteLine($"error: {path}: gives {pixels.Length} pixels but the model takes {file.Spec.InputSize}.");
                failures++;
                continue;
            }

            network.Predict(file.Parameters, pixels, 1, outputs, workspace);
            var best = 0;
            for (var c = 1; c < outputs.Length; c++)
            {
                if (outputs[c] > outputs[best])
                {
                    best = c;
                }
            }

            console.Out.WriteLine($"{path}: {best} ({outputs[best].ToString("P1", CultureInfo.InvariantCulture)})");
            console.Out.WriteLine("  " + string.Join("  ", outputs.Select((p, c) => $"{c}:{p.ToString("0.0000", CultureInfo.InvariantCulture)}")));
        }

        return failures == 0 ? ExitCodes.Success : ExitCodes.Failure;
    }
}
