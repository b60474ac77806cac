using System.Globalization;
using ClusterMnist.Cli.Commands;
using static ClusterMnist.Cli.Configuration.SettingKind;

namespace ClusterMnist.Cli.Configuration;

/// <summary>Every setting of <c>config/coordinator.json</c> (README's table is this list).</summary>
internal static class CoordinatorSchema
{
    public static SettingsSchema Schema { get; } = new("coordinator.json",
    [
        new("Coordinator:Port", Integer(0, 65535), "8080", "--port", "Port of the web page and HTTP API; 0 picks a free one."),
        new("Coordinator:Bind", Text, "0.0.0.0", "--bind", "Address the HTTP API listens on (0.0.0.0 = every interface, 127.0.0.1 = this machine only)."),
        new("Coordinator:MinWorkers", Integer(1), "1", "--min-workers", "Workers that must have joined before the first step."),
        new("Coordinator:ScaleAt", Text, null, "--scale-at", "EPOCH:WORKERS, a planned scale-up: before EPOCH starts, wait until WORKERS are live (e.g. 2:3)."),
        new("Coordinator:CheckpointDir", Text, null, "--checkpoint-dir", "Folder for the run's checkpoint (coordinator.ckpt); none when unset."),
        new("Coordinator:CheckpointEvery", Integer(0), "0", "--checkpoint-every", "Also checkpoint every K steps inside an epoch (0 = at epoch ends only)."),
        new("Coordinator:Resume", Flag, "false", "--resume", "Continue from the checkpoint in CheckpointDir when there is one, else start fresh."),
        new("Coordinator:ExitWhenDone", Flag, "false", "--exit-when-done", "Exit after training instead of serving predictions until stopped."),
        new("Coordinator:Json", Flag, "false", "--json", "End with the JSON line of `train --json` when training finishes."),
        new("Coordinator:SharedMemory", Flag, "true", "--no-shared-memory", "Workers on this host exchange parameters and sums through shared memory files (false: over their data plane stream, like remote ones)."),
        new("Coordinator:DataPlanePort", Integer(0, 65535), "4054", "--data-plane-port", "TCP port of the data plane, where workers on other hosts stream tensors; 0 picks a free one."),
        new("Coordinator:DataPlaneEncryption", Flag, "true", null, "TLS on the data plane; false only on a network trusted not to read or alter tensors (one-time tickets still authenticate workers)."),
        new("Coordinator:AssignmentTimeoutSeconds", Number(0.1), "60", null, "A worker that has not answered an assignment this long is declared dead (its node is downed)."),
        new("Coordinator:PublishIntervalMilliseconds", Integer(0), "50", null, "Least time between two parameter copies for /api/predict (the final one is always published)."),
        new("Training:Data", Text, null, "--data", "Data root holding mnist/ and fashion-mnist/ (default $CLUSTERMNIST_DATA, else ~/.clustermnist/data)."),
        new("Training:Dataset", OneOf("mnist", "fashion", "digits-split"), "mnist", "--dataset", "Data set to train on."),
        new("Training:Preset", OneOf("seed"), null, "--preset", "Named configuration; replaces the training settings of this file (flags still override it)."),
        new("Training:Model", Text, null, "--model", "Layer sizes or a full model spec (default 784-256-128-10 with dropout 0.1; 784-512-256-10 with dropout 0.2 on digits-split)."),
        new("Training:Activation", OneOf("relu", "elu", "sigmoid", "tanh"), null, "--activation", "Overrides the hidden activation of Model."),
        new("Training:Loss", OneOf("ce", "mse"), null, "--loss", "Overrides the output and loss of Model."),
        new("Training:Dropout", Number(0, 0.999), null, "--dropout", "Overrides the dropout of Model."),
        new("Training:Init", OneOf("he", "xavier", "uniform"), "he", "--init", "Weight initialisation."),
        new("Training:Optimizer", OneOf("sgd", "momentum", "nesterov", "adam", "adamw"), "adam", "--optimizer", "Optimizer."),
        new("Training:LearningRate", Number(1e-12), TrainSettings.Default.LearningRate.ToString(CultureInfo.InvariantCulture), "--lr", "Base learning rate."),
        new("Training:WeightDecay", Number(0), null, "--weight-decay", "Weight decay (default 0.01 for adamw, 0 otherwise)."),
        new("Training:Schedule", OneOf("constant", "step", "cosine"), "cosine", "--schedule", "Learning-rate schedule."),
        new("Training:Warmup", Integer(0), "0", "--warmup", "Linear warm-up, in steps."),
        new("Training:Batch", Integer(1), null, "--batch",
            $"Global batch size (samples per step; default {TrainSettings.StandardBatch}, {TrainSettings.DigitsSplitBatch} on digits-split)."),
        new("Training:Epochs", Integer(1), null, "--epochs", "Passes over the training set (default 30, 60 on digits-split)."),
        new("Training:Seed", Integer(0), "1", "--seed", "Seed for initialisation, shuffling and dropout."),
        .. ClusterSettings.Node(defaultPort: "4053"),
        new("Http:MaxBodyBytes", Integer(1), "1048576", null, "Largest /api/predict request body."),
        new("Http:MaxBatchImages", Integer(1), "1024", null, "Most images in one /api/predict request."),
        new("Http:StatusPollMilliseconds", Integer(1), "1000", null, "How often the web page polls /api/status."),
        new("Http:OtlpEndpoint", HttpUrl, null, "--otlp-endpoint", "Also push metrics to this OpenTelemetry collector (OTLP; a …/v1/metrics URL means OTLP/HTTP, else gRPC); none when unset."),
    ],
    ["Worker"]);
}
