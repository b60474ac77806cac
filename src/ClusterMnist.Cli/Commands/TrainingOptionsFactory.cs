using ClusterMnist.Cli.Hosting;
using ClusterMnist.Core.Data;
using ClusterMnist.Core.Model;
using ClusterMnist.Core.Optim;
using ClusterMnist.Core.Training;

namespace ClusterMnist.Cli.Commands;

/// <summary>Turns the user-level <see cref="TrainSettings"/> into the engine's <see cref="TrainingOptions"/> for one data set.</summary>
internal static class TrainingOptionsFactory
{
    /// <summary>Builds the model spec: <see cref="TrainSettings.Model"/> with the explicit activation, loss and dropout applied.</summary>
    public static ModelSpec Model(TrainSettings settings)
    {
        ModelSpec spec;
        try
        {
            spec = ModelSpec.Parse(settings.EffectiveModel);
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw CliException.Usage($"bad --model '{settings.EffectiveModel}': {e.Message}");
        }

        return spec with
        {
            Hidden = settings.Activation is { } activation ? ParseActivation(activation) : spec.Hidden,
            Output = settings.Loss is { } loss ? ParseLoss(loss) : spec.Output,
            Dropout = settings.Dropout ?? spec.Dropout,
        };
    }

    public static TrainingOptions Create(TrainSettings settings, DataSplit data)
    {
        var spec = Model(settings);
        ModelFit.Check(spec, data);
        var trainCount = data.Train.Count;
        var batch = Batch(settings, trainCount);
        var stepsPerEpoch = (trainCount + batch - 1) / batch;
        var totalSteps = (long)stepsPerEpoch * settings.EffectiveEpochs;
        var scheduleKind = LearningRateSchedule.ParseKind(settings.Schedule);
        if (settings.Warmup >= totalSteps)
        {
            // Whatever the schedule, such a run would never train at --lr: a mistake, not a choice (and the cosine decay
            // needs steps after the warm-up; the engine would refuse with its own parameter names).
            throw CliException.Usage(
                $"--warmup {settings.Warmup:N0} must be below the run's {totalSteps:N0} steps ({Plural(settings.EffectiveEpochs, "epoch")} of "
                + $"{Plural(stepsPerEpoch, "step")} at batch {batch:N0}); otherwise the run ends before the learning rate reaches --lr.");
        }

        var schedule = new LearningRateSchedule(
            scheduleKind,
            settings.LearningRate,
            WarmupSteps: settings.Warmup,
            StepSize: scheduleKind == ScheduleKind.Step ? Math.Max(1, totalSteps / 3) : 0,
            Gamma: 0.1f,
            TotalSteps: totalSteps);
        return new TrainingOptions(spec, ParseInit(settings.Init), Optimizer(settings), schedule, batch, settings.EffectiveEpochs, settings.Workers, settings.Seed);
    }

    /// <summary>The batch of <paramref name="settings"/> on a training set of <paramref name="trainCount"/> images (never more than it).</summary>
    public static int Batch(TrainSettings settings, int trainCount) =>
        Math.Min(settings.FullBatch ? trainCount : settings.Batch ?? settings.DefaultBatch, trainCount);

    /// <summary>The optimizer of <paramref name="settings"/>, with its effective weight decay.</summary>
    public static OptimizerSpec Optimizer(TrainSettings settings) =>
        OptimizerSpec.Parse(settings.Optimizer) with { WeightDecay = settings.EffectiveWeightDecay };

    /// <summary>"1 epoch", "2 epochs": a count with its noun, for messages.</summary>
    public static string Plural(long count, string noun) => count == 1 ? $"1 {noun}" : $"{count:N0} {noun}s";

    public static Activation ParseActivation(string name) => name switch
    {
        "relu" => Activation.Relu,
        "elu" => Activation.Elu,
        "sigmoid" => Activation.Sigmoid,
        "tanh" => Activation.Tanh,
        _ => throw CliException.Usage($"unknown activation '{name}' (relu, elu, sigmoid, tanh)."),
    };

    public static OutputLoss ParseLoss(string name) => name switch
    {
        "ce" => OutputLoss.SoftmaxCrossEntropy,
        "mse" => OutputLoss.SigmoidSquaredError,
        _ => throw CliException.Usage($"unknown loss '{name}' (ce, mse)."),
    };

    public static Initialization ParseInit(string name) => name switch
    {
        "he" => Initialization.He,
        "xavier" => Initialization.Xavier,
        "uniform" => Initialization.Uniform,
        _ => throw CliException.Usage($"unknown initialisation '{name}' (he, xavier, uniform)."),
    };
}
