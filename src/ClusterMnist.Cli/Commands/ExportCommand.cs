using System.CommandLine;
using ClusterMnist.Cli.Hosting;
using ClusterMnist.Core.Export;

namespace ClusterMnist.Cli.Commands;

/// <summary>`export`: writes a checkpoint's network as an ONNX model for ONNX Runtime, Triton, onnxruntime-web or ML.NET.</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { HelpName = "FILE", Description = "Checkpoint written by `train --checkpoint` or the coordinator.", Required = true };
        var onnx = new Option<string>("--onnx") { HelpName = "FILE", Description = "The ONNX file to write (replaced if it exists; its folder is created if missing).", Required = true };
        var dataset = new Option<string?>("--dataset")
        {
            Description = "Data set the checkpoint was trained on, recorded in the model's metadata. Default: the one the checkpoint records; needed only for older checkpoints that do not.",
        }.AcceptOnlyFromAmong("mnist", "fashion", "digits-split");
        var command = new Command("export", "Export a checkpoint's network as an ONNX model (input [N, 784] pixels in 0-1, output [N, 10] probabilities).")
        {
            model, onnx, dataset,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var console = CliConsole.From(parseResult);
            string source = parseResult.GetValue(model)!;
            string path = parseResult.GetValue(onnx)!;
            if (OutputFile.SameFile(source, path))
            {
                throw CliException.Usage($"--onnx '{path}' is the checkpoint itself: writing the ONNX model there would destroy the checkpoint.");
            }

            // The same rule as train's outputs, checked before the model loads: a folder is a usage error (exit 2), a
            // missing folder is created, and one that cannot be written is exit 1 naming --onnx.
            OutputFile.EnsureWritable("--onnx", path, "model.onnx");
            var file = ModelFile.Load(source);
            var given = parseResult.GetValue(dataset);
            if (given is not null && file.Dataset is { } trained && trained != given)
            {
                throw CliException.Usage($"--dataset {given}: {source} was trained on {trained}; the model's metadata would be wrong. Leave --dataset out.");
            }

            var info = new OnnxExportInfo(given ?? file.Dataset, file.TrainFingerprint, file.Step, file.Epoch);
            Write(path, file, info);
            long bytes = new FileInfo(path).Length;
            await console.Out.WriteLineAsync(
                $"Wrote {path} ({bytes:N0} bytes): model {file.Spec}, step {file.Step}, {file.Epoch} epoch(s), ONNX opset {OnnxExporter.Opset}, "
                + $"input '{OnnxExporter.InputName}' [N, {file.Spec.InputSize}], output '{OnnxExporter.OutputName}' [N, {file.Spec.OutputSize}]")
                .ConfigureAwait(false);
            if (info.Dataset is null)
            {
                await console.Out.WriteLineAsync("The data set is not recorded (give --dataset to record it); the training set's fingerprint is.").ConfigureAwait(false);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static void Write(string path, ModelFile file, OnnxExportInfo info)
    {
        try
        {
            OnnxExporter.Write(path, file.Spec, file.Parameters, info);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new CliException($"cannot write the ONNX model to '{path}': permission denied.", e);
        }
        catch (IOException e)
        {
            throw new CliException($"cannot write the ONNX model to '{path}': {e.Message}", e);
        }
    }
}
