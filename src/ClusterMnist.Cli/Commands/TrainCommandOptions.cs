using System.CommandLine;
using System.Globalization;
using ClusterMnist.Cli.Hosting;

namespace ClusterMnist.Cli.Commands;

/// <summary>
/// The options of `train`. Every tunable option has no parser default: an absent flag stays null, so the
/// preset (or the built-in defaults) decide, and only flags the user typed override them.
/// </summary>
internal sealed class TrainCommandOptions
{
    private static readonly TrainSettings D = TrainSettings.Default;

    public Option<string?> Data { get; } = new("--data")
    {
        HelpName = "DIR",
        Description = "Data root holding mnist/ and fashion-mnist/ (default: $CLUSTERMNIST_DATA, else ~/.clustermnist/data).",
    };

    public Option<string?> Dataset { get; } = new Option<string?>("--dataset")
    {
        Description = $"Data set: mnist, fashion, or digits-split (the MNIST test set split 8,000/2,000). Default {D.Dataset}; with --resume, the one the checkpoint records.",
    }.AcceptOnlyFromAmong("mnist", "fashion", "digits-split");

    public Option<string?> Model { get; } = new("--model")
    {
        HelpName = "SPEC",
        Description = "Layer sizes such as 784-256-128-10, or a full spec like 784-256-10/relu/softmax-ce/dropout=0.2. Default 784-256-128-10 with dropout 0.1 (784-512-256-10 with dropout 0.2 on digits-split).",
    };

    public Option<string?> Activation { get; } = new Option<string?>("--activation")
    {
        Description = "Hidden-layer activation: relu, elu, sigmoid or tanh. Overrides the activation of --model (default relu).",
    }.AcceptOnlyFromAmong("relu", "elu", "sigmoid", "tanh");

    public Option<string?> Loss { get; } = new Option<string?>("--loss")
    {
        Description = "Output and loss: ce (softmax cross-entropy) or mse (sigmoid, squared error). Overrides --model (default ce).",
    }.AcceptOnlyFromAmong("ce", "mse");

    public Option<float?> Dropout { get; } = new Option<float?>("--dropout")
    {
        HelpName = "P",
        Description = "Dropout probability on hidden layers, in [0, 1). Overrides the dropout of --model (the default model has 0.1, 0.2 on digits-split).",
    }.Between(0f, 1f);

    public Option<string?> Init { get; } = new Option<string?>("--init")
    {
        Description = $"Weight initialisation: he, xavier or uniform (U(-0.5, 0.5)). Default {D.Init}.",
    }.AcceptOnlyFromAmong("he", "xavier", "uniform");

    public Option<string?> Optimizer { get; } = new Option<string?>("--optimizer")
    {
        Description = $"sgd, momentum, nesterov, adam or adamw. Default {D.Optimizer}.",
    }.AcceptOnlyFromAmong("sgd", "momentum", "nesterov", "adam", "adamw");

    public Option<float?> LearningRate { get; } = new Option<float?>("--lr")
    {
        HelpName = "X",
        Description = $"Base learning rate. Default {D.LearningRate.ToString(CultureInfo.InvariantCulture)}.",
    }.Positive();

    public Option<float?> WeightDecay { get; } = new Option<float?>("--weight-decay")
    {
        HelpName = "X",
        Description = "Weight decay (decoupled for adamw). Default 0.01 for adamw, 0 otherwise.",
    }.AtLeast(0f);

    public Option<string?> Schedule { get; } = new Option<string?>("--schedule")
    {
        Description = $"Learning-rate schedule: constant, step (×0.1 at each third of training) or cosine. Default {D.Schedule}.",
    }.AcceptOnlyFromAmong("constant", "step", "cosine");

    public Option<long?> Warmup { get; } = new Option<long?>("--warmup")
    {
        HelpName = "STEPS",
        Description = "Linear warm-up, in steps. Default 0.",
    }.AtLeast(0L);

    public Option<int?> Batch { get; } = new Option<int?>("--batch")
    {
        HelpName = "N",
        Description = $"Global batch size (samples per step). Default {TrainSettings.StandardBatch} ({TrainSettings.DigitsSplitBatch} on digits-split); the seed preset uses the whole training set.",
    }.AtLeast(1);

    public Option<int?> Epochs { get; } = new Option<int?>("--epochs")
    {
        HelpName = "N",
        Description = "Passes over the training set. Default 30, 60 on digits-split, 500 with --preset seed.",
    }.AtLeast(1);

    public Option<int?> Workers { get; } = new Option<int?>("--workers")
    {
        HelpName = "N",
        Description = $"Worker threads, 1–{TrainSettings.MaxWorkers}. The result is bit-identical for any count. Default: one per core.",
    }.InRange(1, TrainSettings.MaxWorkers);

    public Option<ulong?> Seed { get; } = new("--seed")
    {
        HelpName = "N",
        Description = $"Seed for initialisation, shuffling and dropout. Default {D.Seed}.",
    };

    public Option<string?> Checkpoint { get; } = new("--checkpoint")
    {
        HelpName = "FILE",
        Description = "Write a checkpoint to this file at every epoch end and at the end (its folder is created if missing).",
    };

    public Option<string?> Resume { get; } = new("--resume")
    {
        HelpName = "FILE",
        Description = "Continue the run saved in this checkpoint (same final parameters as an uninterrupted run).",
    };

    public Option<bool> OverwriteCheckpoint { get; } = new(CheckpointGuard.OverwriteFlag)
    {
        Description = "Start a new run even though the checkpoint file already exists, replacing it (without this, such a start is refused).",
    };

    public Option<string?> Plot { get; } = new("--plot")
    {
        HelpName = "FILE.svg",
        Description = "Write loss and accuracy per epoch and the test confusion matrix to this SVG file (its folder is created if missing).",
    };

    public Option<bool> Json { get; } = new("--json")
    {
        Description = "End the output with one JSON line: test_accuracy, epochs, train_seconds, samples_per_second, workers, param_sha256.",
    };

    public Option<string?> Preset { get; } = new Option<string?>("--preset")
    {
        Description = "Start from a named configuration; explicit flags still override it. 'seed': 784-10-10, uniform init, full-batch SGD, lr 0.1, 500 epochs.",
    }.AcceptOnlyFromAmong("seed");

    public IEnumerable<Option> All =>
    [
        Data, Dataset, Model, Activation, Loss, Dropout, Init, Optimizer, LearningRate, WeightDecay, Schedule, Warmup,
        Batch, Epochs, Workers, Seed, Checkpoint, Resume, OverwriteCheckpoint, Plot, Json, Preset,
    ];

    /// <summary>Starts from the preset (or the defaults) and applies every flag that was given.</summary>
    public TrainSettings Read(ParseResult result)
    {
        RefuseRunSettingsWhenResuming(result);
        return Read(result, TrainSettings.ForPreset(result.GetValue(Preset)));
    }

    /// <summary>
    /// `train --resume FILE` continues the run stored in FILE with that run's own settings, so a flag that would define
    /// a run (e.g. --epochs 40 on a 30-epoch checkpoint) cannot take effect: refused rather than silently ignored.
    /// </summary>
    private void RefuseRunSettingsWhenResuming(ParseResult result)
    {
        if (result.GetValue(Resume) is not { } resume)
            return;
        Option[] runSettings =
            [Model, Activation, Loss, Dropout, Init, Optimizer, LearningRate, WeightDecay, Schedule, Warmup, Batch, Epochs, Seed, Checkpoint, Preset];
        var given = runSettings.Where(o => result.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToArray();
        if (given.Length > 0)
        {
            throw CliException.Usage(
                $"--resume {resume} continues that run with the settings stored in it, so {string.Join(", ", given)} cannot change it; leave "
                + $"{(given.Length == 1 ? "it" : "them")} out. With --resume, only --data, --dataset, --workers, --plot and --json apply.");
        }
    }

    /// <summary>
    /// Applies every flag that was given to <paramref name="s"/> (settings already resolved from configuration files,
    /// as `coordinator` does); options a command did not add read as absent.
    /// </summary>
    public TrainSettings Read(ParseResult result, TrainSettings s)
    {
        return s with
        {
            DataRoot = result.GetValue(Data) ?? s.DataRoot,
            Dataset = result.GetValue(Dataset) ?? s.Dataset,
            DatasetGiven = result.GetValue(Dataset) is not null || s.DatasetGiven,
            Model = result.GetValue(Model) ?? s.Model,
            Activation = result.GetValue(Activation) ?? s.Activation,
            Loss = result.GetValue(Loss) ?? s.Loss,
            Dropout = result.GetValue(Dropout) ?? s.Dropout,
            Init = result.GetValue(Init) ?? s.Init,
            Optimizer = result.GetValue(Optimizer) ?? s.Optimizer,
            LearningRate = result.GetValue(LearningRate) ?? s.LearningRate,
            WeightDecay = result.GetValue(WeightDecay) ?? s.WeightDecay,
            Schedule = result.GetValue(Schedule) ?? s.Schedule,
            Warmup = result.GetValue(Warmup) ?? s.Warmup,
            Batch = result.GetValue(Batch) ?? s.Batch,
            FullBatch = result.GetValue(Batch) is null && s.FullBatch,
            Epochs = result.GetValue(Epochs) ?? s.Epochs,
            Workers = result.GetValue(Workers) ?? s.Workers,
            Seed = result.GetValue(Seed) ?? s.Seed,
            CheckpointPath = result.GetValue(Checkpoint) ?? s.CheckpointPath,
            ResumePath = result.GetValue(Resume) ?? s.ResumePath,
            OverwriteCheckpoint = result.GetValue(OverwriteCheckpoint) || s.OverwriteCheckpoint,
            PlotPath = result.GetValue(Plot) ?? s.PlotPath,
            Json = result.GetValue(Json) || s.Json,
        };
    }
}
