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
        var model = new Option<string>("--model") { HelpName = "FILE", Description = "Checkpoint written by `train --checkpoint`.", Required = true };
        var data = new Option<string?>("--data") { HelpName = "DIR", Description = "Data root (default: $CLUSTERMNIST_DATA, else ~/.clustermnist/data)." };
        var dataset = new Option<string>("--dataset")
        {
            Description = "Test set: mnist, fashion or digits-split (its last 2,000 MNIST test images).",
            DefaultValueFactory = _ => "mnist",
        }.AcceptOnlyFromAmong("mnist", "fashion", "digits-split");
        var command = new Command("evaluate", "Evaluate a checkpoint on a test set: accuracy, per-class precision and recall, confusion matrix.")
        {
            model, data, dataset,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var console = CliConsole.From(parseResult);
            var file = ModelFile.Load(parseResult.GetValue(model)!);
            var kind = DatasetCatalog.Parse(parseResult.GetValue(dataset)!);
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
