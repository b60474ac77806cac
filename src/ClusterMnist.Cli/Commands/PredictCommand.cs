using System.CommandLine;
using System.Globalization;
using ClusterMnist.Cli.Hosting;
using ClusterMnist.Core.Imaging;
using ClusterMnist.Core.Model;

namespace ClusterMnist.Cli.Commands;

/// <summary>
/// `predict`: the class and the ten probabilities for each image file, from a checkpoint (<c>--model</c>) or from a
/// running coordinator's HTTP API (<c>--server</c>). Images are always decoded and normalised here, by the same
/// DigitImage in both modes, so every picture format and CSV rows behave alike and a bad file is reported before any request.
/// </summary>
internal static class PredictCommand
{
    public static Command Create()
    {
        var model = new Option<string?>("--model") { Description = "Checkpoint written by `train --checkpoint` or the coordinator.", HelpName = "FILE" };
        var server = new Option<string?>("--server") { Description = "A running coordinator to ask instead, e.g. http://localhost:8080.", HelpName = "URL" };
        var timeout = new Option<int?>("--timeout") { Description = "Seconds to wait for each --server answer. Default 30.", HelpName = "S" }.AtLeast(1);
        var images = new Argument<string[]>("images")
        {
            Description = "Pictures (PNG, JPEG, BMP, GIF, TIFF, WebP, TGA, PBM/PGM/PPM; up to 4,096 × 4,096 pixels) or CSV rows of 784 values; normalised like MNIST.",
            Arity = ArgumentArity.OneOrMore,
        };
        var command = new Command("predict", "Classify images with a trained checkpoint or a running coordinator.") { model, server, timeout, images };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var console = CliConsole.From(parseResult);
            string? modelPath = parseResult.GetValue(model);
            string? serverUrl = parseResult.GetValue(server);
            var paths = parseResult.GetValue(images)!;
            if (modelPath is not null && serverUrl is not null)
            {
                throw CliException.Usage("--model and --server are mutually exclusive: predict with a local checkpoint or ask a running coordinator, not both.");
            }

            if (serverUrl is not null)
            {
                using var client = new PredictClient(PredictClient.ParseServer(serverUrl), TimeSpan.FromSeconds(parseResult.GetValue(timeout) ?? 30));
                return await RunRemoteAsync(console, client, paths, cancellationToken).ConfigureAwait(false);
            }

            if (modelPath is null)
            {
                throw CliException.Usage("give --model FILE (a checkpoint) or --server URL (a running coordinator).");
            }

            return Run(console, ModelFile.Load(modelPath), paths);
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
            if (TryLoad(console, path) is not { } pixels)
            {
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
            Print(console, path, outputs, ArgMax(outputs), suffix: string.Empty);
        }

        return failures == 0 ? ExitCodes.Success : ExitCodes.Failure;
    }

    private static async Task<int> RunRemoteAsync(CliConsole console, PredictClient client, IReadOnlyList<string> paths, CancellationToken cancellationToken)
    {
        var failures = 0;
        foreach (var path in paths)
        {
            if (TryLoad(console, path) is not { } pixels)
            {
                failures++;
                continue;
            }

            RemotePrediction answer;
            try
            {
                answer = await client.PredictAsync(pixels, cancellationToken).ConfigureAwait(false);
            }
            catch (RemotePredictionException e)
            {
                // The server rejected this image (or has no model yet): say why, and go on with the others.
                console.Error.WriteLine($"error: {path}: {e.Message}");
                failures++;
                continue;
            }

            Print(console, path, answer.Probabilities, answer.Digit,
                suffix: string.Create(CultureInfo.InvariantCulture, $"  [model version {answer.ModelVersion}, step {answer.Step}]"));
        }

        return failures == 0 ? ExitCodes.Success : ExitCodes.Failure;
    }

    // One bad file should not hide the answers for the others; the exit code still reports it.
    private static float[]? TryLoad(CliConsole console, string path)
    {
        try
        {
            return DigitImage.Load(path);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var (message, _) = ErrorReport.Describe(e);
            console.Error.WriteLine(message.Contains(path, StringComparison.Ordinal) ? $"error: {message}" : $"error: {path}: {message}");
            return null;
        }
    }

    private static void Print(CliConsole console, string path, IReadOnlyList<float> probabilities, int digit, string suffix)
    {
        console.Out.WriteLine($"{path}: {digit} ({probabilities[digit].ToString("P1", CultureInfo.InvariantCulture)}){suffix}");
        console.Out.WriteLine("  " + string.Join("  ", probabilities.Select((p, c) => $"{c}:{p.ToString("0.0000", CultureInfo.InvariantCulture)}")));
    }

    private static int ArgMax(float[] values)
    {
        var best = 0;
        for (var c = 1; c < values.Length; c++)
        {
            if (values[c] > values[best])
            {
                best = c;
            }
        }

        return best;
    }
}
