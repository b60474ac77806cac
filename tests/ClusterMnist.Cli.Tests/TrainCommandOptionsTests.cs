using System.CommandLine;
using ClusterMnist.Cli.Commands;

namespace ClusterMnist.Cli.Tests;

public class TrainCommandOptionsTests
{
    private static (TrainSettings Settings, ParseResult Result) Parse(string commandLine)
    {
        var (settings, result) = TryParse(commandLine);
        Assert.Empty(result.Errors);
        return (settings!, result);
    }

    private static (TrainSettings? Settings, ParseResult Result) TryParse(string commandLine)
    {
        var options = new TrainCommandOptions();
        var command = new Command("train");
        foreach (var option in options.All)
        {
            command.Options.Add(option);
        }

        var result = command.Parse(commandLine);
        return (result.Errors.Count == 0 ? options.Read(result) : null, result);
    }

    [Fact]
    public void Read_GivesDefaults_WhenNoFlags()
    {
        var (settings, result) = Parse("");

        Assert.Empty(result.Errors);
        Assert.Equal(TrainSettings.Default, settings);
        Assert.Equal("mnist", settings.Dataset);
        Assert.Null(settings.Model);
        Assert.Equal("784-256-128-10/relu/softmax-ce/dropout=0.1", settings.EffectiveModel);
        Assert.Null(settings.Dropout); // the model text carries it
        Assert.Equal("adam", settings.Optimizer);
        Assert.Equal("cosine", settings.Schedule);
        Assert.Equal(0.002f, settings.LearningRate);
        Assert.Null(settings.Batch);
        Assert.False(settings.FullBatch);
        Assert.Equal(256, settings.DefaultBatch);
        Assert.Equal(30, settings.EffectiveEpochs);
        Assert.False(settings.Json);
    }

    [Fact]
    public void Read_ReadsEveryFlag_WhenAllGiven()
    {
        var (settings, result) = Parse(
            "--data /d --dataset fashion --model 784-64-10 --activation tanh --loss mse --dropout 0.25 --init xavier " +
            "--optimizer nesterov --lr 0.05 --weight-decay 0.001 --schedule step --warmup 7 --batch 64 --epochs 3 " +
            "--workers 2 --seed 42 --checkpoint c.ckpt --plot p.svg --json");

        Assert.Empty(result.Errors);
        Assert.Equal("/d", settings.DataRoot);
        Assert.Equal("fashion", settings.Dataset);
        Assert.Equal("784-64-10", settings.Model);
        Assert.Equal("tanh", settings.Activation);
        Assert.Equal("mse", settings.Loss);
        Assert.Equal(0.25f, settings.Dropout);
        Assert.Equal("xavier", settings.Init);
        Assert.Equal("nesterov", settings.Optimizer);
        Assert.Equal(0.05f, settings.LearningRate);
        Assert.Equal(0.001f, settings.EffectiveWeightDecay);
        Assert.Equal("step", settings.Schedule);
        Assert.Equal(7, settings.Warmup);
        Assert.Equal(64, settings.Batch);
        Assert.Equal(3, settings.Epochs);
        Assert.Equal(2, settings.Workers);
        Assert.Equal(42UL, settings.Seed);
        Assert.Equal("c.ckpt", settings.CheckpointPath);
        Assert.Equal("p.svg", settings.PlotPath);
        Assert.True(settings.Json);
    }

    [Fact]
    public void Read_TakesTheFlagsThatApplyToAResumedRun()
    {
        var (settings, result) = Parse("--resume r.ckpt --data /d --dataset fashion --workers 2 --plot p.svg --json");

        Assert.Empty(result.Errors);
        Assert.Equal("r.ckpt", settings.ResumePath);
        Assert.Equal(("/d", "fashion", 2, "p.svg", true), (settings.DataRoot, settings.Dataset, settings.Workers, settings.PlotPath, settings.Json));
    }

    [Fact]
    public void Read_GivesClassicNetwork_WhenPresetSeed()
    {
        var (settings, result) = Parse("--preset seed");

        Assert.Empty(result.Errors);
        Assert.Equal("784-10-10/relu/softmax-ce/dropout=0", settings.Model);
        Assert.Equal("uniform", settings.Init);
        Assert.Equal("sgd", settings.Optimizer);
        Assert.Equal(0.1f, settings.LearningRate);
        Assert.Equal("constant", settings.Schedule);
        Assert.True(settings.FullBatch); // one step per epoch
        Assert.Equal(500, settings.EffectiveEpochs);
        Assert.Equal(0f, settings.EffectiveWeightDecay);
    }

    [Fact]
    public void Read_LetsExplicitFlagsOverridePreset_WhenBothGiven()
    {
        var (settings, result) = Parse("--preset seed --epochs 20 --lr 0.5 --batch 1000 --activation sigmoid --dataset digits-split");

        Assert.Empty(result.Errors);
        Assert.Equal(20, settings.Epochs);
        Assert.Equal(0.5f, settings.LearningRate);
        Assert.Equal(1000, settings.Batch);
        Assert.False(settings.FullBatch);
        Assert.Equal("sigmoid", settings.Activation);
        Assert.Equal("digits-split", settings.Dataset);
        Assert.Equal("784-10-10/relu/softmax-ce/dropout=0", settings.Model); // untouched preset values stay
        Assert.Equal("uniform", settings.Init);
    }

    [Fact]
    public void DefaultBatch_Is64_WhenDigitsSplit()
    {
        Assert.Equal(64, Parse("--dataset digits-split").Settings.DefaultBatch);
        Assert.Equal(256, Parse("--dataset fashion").Settings.DefaultBatch);
    }

    [Fact]
    public void Help_StatesTheDefaultBatchAndRate_ThatAreUsed()
    {
        var options = new TrainCommandOptions();

        Assert.Contains($"Default {Parse("").Settings.DefaultBatch} ({Parse("--dataset digits-split").Settings.DefaultBatch} on digits-split)",
            options.Batch.Description, StringComparison.Ordinal);
        Assert.Contains("Default 0.002.", options.LearningRate.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void EffectiveEpochs_Is60_WhenDigitsSplitWithoutFlag()
    {
        Assert.Equal(60, Parse("--dataset digits-split").Settings.EffectiveEpochs);
        Assert.Equal(30, Parse("--dataset fashion").Settings.EffectiveEpochs);
        Assert.Equal(7, Parse("--dataset digits-split --epochs 7").Settings.EffectiveEpochs);
    }

    [Fact]
    public void EffectiveWeightDecay_IsDecoupledDefault_WhenAdamWWithoutFlag()
    {
        var (settings, _) = Parse("--optimizer adamw");

        Assert.Equal(0.01f, settings.EffectiveWeightDecay);
    }

    [Theory]
    [InlineData("--dataset cifar")]
    [InlineData("--dropout 1.5")]
    [InlineData("--dropout -0.1")]
    [InlineData("--lr 0")]
    [InlineData("--lr abc")]
    [InlineData("--epochs 0")]
    [InlineData("--batch -3")]
    [InlineData("--workers 0")]
    [InlineData("--optimizer rmsprop")]
    [InlineData("--preset modern")]
    [InlineData("--warmup -1")]
    [InlineData("--lr 1e40")]
    [InlineData("--weight-decay nan")]
    public void Parse_ReportsError_WhenValueIsOutOfRange(string commandLine)
    {
        var (_, result) = TryParse(commandLine);

        Assert.NotEmpty(result.Errors);
    }

    [Theory]
    [InlineData("", "784-256-128-10/relu/softmax-ce/dropout=0.1")]
    [InlineData("--dataset digits-split", "784-512-256-10/relu/softmax-ce/dropout=0.2")]
    [InlineData("--model 784-64-10", "784-64-10/relu/softmax-ce/dropout=0")]
    [InlineData("--model 784-64-10/tanh/softmax-ce/dropout=0.5", "784-64-10/tanh/softmax-ce/dropout=0.5")]
    [InlineData("--model 784-64-10/tanh/softmax-ce/dropout=0.5 --activation elu --dropout 0.1 --loss mse", "784-64-10/elu/sigmoid-mse/dropout=0.1")]
    [InlineData("--preset seed", "784-10-10/relu/softmax-ce/dropout=0")]
    [InlineData("--preset seed --model 784-32-10/tanh", "784-32-10/tanh/softmax-ce/dropout=0")]
    public void Model_AppliesExplicitFlagsOverModelText(string commandLine, string expected)
    {
        var spec = ClusterMnist.Cli.Commands.TrainingOptionsFactory.Model(Parse(commandLine).Settings);

        Assert.Equal(ClusterMnist.Core.Model.ModelSpec.Parse(expected), spec);
    }
}
