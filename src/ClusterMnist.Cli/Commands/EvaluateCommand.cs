using System.CommandLine;
using System.Globalization;
using ClusterMnist.Cli.Hosting;
using ClusterMnist.Cli.Reporting;
using ClusterMnist.Core.Data;
using ClusterMnist.Core.Evaluation;
using ClusterMnist.Core.Model;

namespace ClusterMnist.Cli.Commands;

/// <summary>`evaluate`: accuracy, per-class precision/recall and the confusion matrix of a checkpoint on a test set.</summary>
internal static class EvaluateCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { HelpName = "FILE", Description = "Checkpoint written by `train --checkpoint` or the coordinator.", Required = true };
        var data = new Option<string?>("--data") { HelpName = "DIR", Description = "Data root (default: $CLUSTERMNIST_DATA, else ~/.clustermnist/data)." };
        var dataset = new Option<string?>("--dataset")
        {
            Description = "Test set: mnist, fashion or digits-split (its last 2,000 MNIST test images). Default: the data set the checkpoint was trained on (mnist for checkpoints that do not record it).",
        }.AcceptOnlyFromAmong("mnist", "fashion", "digits-split");
        var command = new Command("evaluate", "Evaluate a checkpoint on a test set: accuracy, per-class precision and recall, confusion matrix.")
        {
            model, data, dataset,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var console = CliConsole.From(parseResult);
            var file = ModelFile.Load(parseResult.GetValue(model)!);
            var asked = parseResult.GetValue(dataset);
            var kind = DatasetCatalog.Parse(asked ?? file.Dataset ?? "mnist");
            if (asked is not null && file.Dataset is { } trained && trained != asked)
            {
                // Allowed (a digits-split model on the whole MNIST test set is a fair question), but never by accident.
                await console.Out.WriteLineAsync($"Note: {file.Path} was trained on {trained}; evaluating on {asked} as asked.").ConfigureAwait(false);
            }
            else if (asked is null && file.Dataset is null)
            {
                await console.Out.WriteLineAsync(
                    $"Note: {file.Path} does not record its data set (an older checkpoint); evaluating on mnist. Give --dataset if it was trained on another.")
                    .ConfigureAwait(false);
            }

            var (test, name) = await DatasetLoader.LoadTestAsync(console, parseResult.GetValue(data) ?? DatasetCatalog.DefaultDataDirectory, kind, cancellationToken)
                .ConfigureAwait(false);
            ModelFit.Check(file.Spec, name, test);

            var result = Evaluator.Evaluate(new Network(file.Spec), file.Parameters, test);
            await console.Out.WriteLineAsync($"Model {file.Spec} from {file.Path}").ConfigureAwait(false);
            await console.Out.WriteLineAsync(
                $"{name} test set, {result.Confusion.Total:N0} images: accuracy {result.Accuracy.ToString("P2", CultureInfo.InvariantCulture)}, "
                + $"loss {result.Loss.ToString("F4", CultureInfo.InvariantCulture)}").ConfigureAwait(false);
            console.Ansi.Write(ConfusionTables.PerClass(result.Confusion));
            console.Ansi.Write(ConfusionTables.Matrix(result.Confusion));
            return ExitCodes.Success;
        });
        return command;
    }
}
