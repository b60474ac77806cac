namespace ClusterMnist.Cli.Commands;

/// <summary>
/// Everything `train` needs to know, after the preset and the explicit flags are combined. Kept as plain values
/// (names, numbers) so the precedence rules can be tested without loading data or building a network.
/// </summary>
internal sealed record TrainSettings
{
    /// <summary>
    /// Defaults chosen by measurement to reach ≥90% on Fashion-MNIST in 30 epochs and ≥97.5% on digits-split
    /// (see README, "Measured performance"): a wider network with light dropout, Adam with a cosine decay.
    /// </summary>
    public static TrainSettings Default { get; } = new();

    /// <summary>
    /// The classic beginner network: 784-10-10, ReLU, softmax, U(−0.5, 0.5) weights, full-batch gradient descent
    /// with plain SGD at α = 0.1, one step per epoch.
    /// </summary>
    public static TrainSettings SeedPreset { get; } = new()
    {
        Model = "784-10-10/relu/softmax-ce/dropout=0",
        Init = "uniform",
        Optimizer = "sgd",
        LearningRate = 0.1f,
        WeightDecay = 0f,
        Schedule = "constant",
        Warmup = 0,
        FullBatch = true,
        Epochs = 500,
    };

    public string? DataRoot { get; init; }

    public string Dataset { get; init; } = "mnist";

    /// <summary>Whether <see cref="Dataset"/> was given, not defaulted: `train --resume` otherwise takes the checkpoint's.</summary>
    public bool DatasetGiven { get; init; }

    /// <summary>
    /// Layer sizes, or a canonical spec such as "784-256-128-10/relu/softmax-ce/dropout=0.2"; null means
    /// <see cref="DefaultModel"/> for the data set. Parts the text leaves out take the model defaults (relu,
    /// softmax-ce, no dropout), so a user's --model replaces the default network whole, dropout included.
    /// </summary>
    public string? Model { get; init; }

    /// <summary>Overrides the hidden activation of <see cref="Model"/> when set.</summary>
    public string? Activation { get; init; }

    /// <summary>"ce" (softmax cross-entropy) or "mse" (sigmoid squared error); overrides <see cref="Model"/> when set.</summary>
    public string? Loss { get; init; }

    /// <summary>Overrides the dropout of <see cref="Model"/> when set.</summary>
    public float? Dropout { get; init; }

    public string Init { get; init; } = "he";

    public string Optimizer { get; init; } = "adam";

    /// <summary>
    /// 0.002 with the default schedule (cosine). Measured with the default networks and batches, 2 workers: Fashion-MNIST
    /// ends at 90.20–90.28 % for seeds 1–5 (at batch 256, 0.001: 89.93–90.14 % for seeds 1–3; 0.0015: 89.88–90.24 %;
    /// 0.003: 89.65–90.17 %); digits-split at 98.25 / 97.80 % for seeds 1, 2 (0.001: 97.70 / 97.40 %).
    /// </summary>
    public float LearningRate { get; init; } = 2e-3f;

    /// <summary>Null means the optimizer's default: 0.01 for AdamW (decoupled decay), 0 for the others.</summary>
    public float? WeightDecay { get; init; }

    public string Schedule { get; init; } = "cosine";

    public long Warmup { get; init; }

    /// <summary>Samples per step; null means <see cref="DefaultBatch"/> for the data set.</summary>
    public int? Batch { get; init; }

    /// <summary>Full-batch gradient descent (the seed preset): one step per epoch over the whole training set.</summary>
    public bool FullBatch { get; init; }

    /// <summary>Passes over the training set; null means <see cref="DefaultEpochs"/> for the data set.</summary>
    public int? Epochs { get; init; }

    public int Workers { get; init; } = Environment.ProcessorCount;

    /// <summary>The most worker actors one process runs (train and bench train): far past any core count, yet bounded.</summary>
    public const int MaxWorkers = 1024;

    public ulong Seed { get; init; } = 1;

    public string? CheckpointPath { get; init; }

    public string? ResumePath { get; init; }

    /// <summary>Start a new run over an existing checkpoint file (see <see cref="CheckpointGuard"/>).</summary>
    public bool OverwriteCheckpoint { get; init; }

    public string? PlotPath { get; init; }

    public bool Json { get; init; }

    /// <summary>
    /// 30 epochs, but 60 on digits-split: its training set is 7.5× smaller, so 30 epochs there would be only an
    /// eighth of the optimizer steps, and measured accuracy still improves between 30 and 60.
    /// </summary>
    public int DefaultEpochs => Dataset == "digits-split" ? 60 : 30;

    public int EffectiveEpochs => Epochs ?? DefaultEpochs;

    /// <summary>
    /// 784-256-128-10 with dropout 0.1, but 784-512-256-10 with dropout 0.2 on digits-split. Measured (seed 1-3,
    /// 2 workers, `train --json`): on Fashion-MNIST the small network reaches 90.30 / 90.06 / 90.09 % in 30
    /// epochs and 89 % by epoch 12-14, at ~2.3× the samples/s of the wider one (which reaches 90.60 / 90.38 %
    /// but 89 % only by epoch 10-11, too late for 89 % within 5 s of training on 2 cores). digits-split's 8,000
    /// images need the wider, more regularized network for 97.5 %: 97.70 % (the small one stays near 96.4 %).
    /// </summary>
    public string DefaultModel => Dataset == "digits-split"
        ? "784-512-256-10/relu/softmax-ce/dropout=0.2"
        : "784-256-128-10/relu/softmax-ce/dropout=0.1";

    public string EffectiveModel => Model ?? DefaultModel;

    /// <summary>
    /// 256, but 64 on digits-split. Measured with the default network (2 workers): Fashion-MNIST reaches 89 % as early
    /// at batch 256 with learning rate 0.002 (epoch 11–14 for seeds 1–5) as at batch 128 with 0.001 (epoch 12–14), and a
    /// step of 256 samples costs less per sample (one optimizer pass for twice the samples), so 89 % comes ~1.45× sooner
    /// in seconds;
    /// digits-split reaches 97.7 % in 60 epochs at batch 64 but only 97.3 % at 128: its 8,000 images give few steps
    /// per epoch, and the smaller batch's extra steps and noise help.
    /// </summary>
    public int DefaultBatch => Dataset == "digits-split" ? DigitsSplitBatch : StandardBatch;

    /// <summary>The default batch on mnist and fashion (see <see cref="DefaultBatch"/>).</summary>
    public const int StandardBatch = 256;

    /// <summary>The default batch on digits-split (see <see cref="DefaultBatch"/>).</summary>
    public const int DigitsSplitBatch = 64;

    public float EffectiveWeightDecay => WeightDecay ?? (Optimizer == "adamw" ? 0.01f : 0f);

    /// <summary>The starting point for a preset name ("seed"), or the defaults when none is given.</summary>
    public static TrainSettings ForPreset(string? preset) => preset switch
    {
        null => Default,
        "seed" => SeedPreset,
        _ => throw new ArgumentException($"unknown preset '{preset}' (known: seed).", nameof(preset)),
    };
}
