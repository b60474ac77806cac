using System.Globalization;
using System.Text.Json;
using ClusterMnist.Core.Data;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using Xunit.Abstractions;

namespace ClusterMnist.Cli.Tests;

[CollectionDefinition(nameof(RealData), DisableParallelization = true)]
public sealed class RealData;

/// <summary>
/// The CI accuracy checks on the real data sets, through the real `train` command. They need CLUSTERMNIST_DATA
/// (CI sets it) and are reported as skipped when it is unset.
/// </summary>
[Collection(nameof(RealData))]
public class RealDataTests(ITestOutputHelper log)
{
    private static string? DataRoot => Environment.GetEnvironmentVariable("CLUSTERMNIST_DATA") is { Length: > 0 } root ? root : null;

    private async Task<(CliRun Run, JsonElement Summary)> TrainAsync(params string[] args)
    {
        var run = await CliRunner.RunAsync(["train", "--data", DataRoot!, "--json", .. args]);
        log.WriteLine(run.Output);
        Assert.True(run.ExitCode == 0, run.Error);
        return (run, JsonDocument.Parse(run.LastOutputLine).RootElement.Clone());
    }

    [SkippableFact]
    public async Task Train_ReachesFashionAccuracy_InFiveEpochs()
    {
        Skip.If(DataRoot is null, "CLUSTERMNIST_DATA is not set.");

        // Default settings give 88.08 % after 5 epochs (87.20 % after 3, too close to a bound to be a good check).
        var (_, summary) = await TrainAsync("--dataset", "fashion", "--epochs", "5");

        Assert.True(summary.GetProperty("test_accuracy").GetDouble() >= 0.87, summary.ToString());
    }

    [SkippableFact]
    public async Task Train_LearnsDigitsSplit_AndPredictAnswersRealDigitsAlikeInEveryFormat()
    {
        Skip.If(DataRoot is null, "CLUSTERMNIST_DATA is not set.");

        var folder = Path.Combine(Path.GetTempPath(), $"clustermnist-real-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            var checkpoint = Path.Combine(folder, "digits.ckpt");
            var (_, summary) = await TrainAsync("--dataset", "digits-split", "--epochs", "5", "--checkpoint", checkpoint);
            Assert.True(summary.GetProperty("test_accuracy").GetDouble() >= 0.95, summary.ToString());

            // Ten held-out test digits (from the 2,000 digits-split tests on): their raw pixels as a CSV row, and the
            // same digit saved as PNG, JPEG and BMP. Every format must get the raw pixels' answer.
            var test = DatasetCatalog.Load(DataRoot!, DatasetKind.DigitsSplit).Test;
            string[] formats = ["csv", "png", "jpg", "bmp"];
            var paths = new List<string>();
            for (var i = 0; i < 10; i++)
            {
                byte[] pixels = test.Pixels(i).ToArray();
                foreach (var format in formats)
                {
                    var path = Path.Combine(folder, $"digit{i}-label{test.Label(i)}.{format}");
                    await File.WriteAllBytesAsync(path, format == "csv" ? System.Text.Encoding.ASCII.GetBytes(string.Join(',', pixels)) : Picture(pixels, format));
                    paths.Add(path);
                }
            }

            var run = await CliRunner.RunAsync(["predict", "--model", checkpoint, .. paths]);
            log.WriteLine(run.Output);

            Assert.True(run.ExitCode == 0, run.Error);
            var correct = 0;
            for (var i = 0; i < 10; i++)
            {
                var answers = Enumerable.Range(0, formats.Length).Select(f => Predicted(run, paths, (i * formats.Length) + f)).ToArray();
                Assert.All(answers, answer => Assert.Equal(answers[0], answer));
                correct += answers[0] == test.Label(i) ? 1 : 0;
            }

            Assert.True(correct >= 9, $"{correct}/10 real digits classified correctly");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static int Predicted(CliRun run, List<string> paths, int index)
    {
        var line = run.OutputLines[2 * index];
        Assert.StartsWith($"{paths[index]}: ", line);
        return int.Parse(line[(paths[index].Length + 2)..].Split(' ')[0], CultureInfo.InvariantCulture);
    }

    private static byte[] Picture(byte[] pixels, string format)
    {
        using var image = Image.LoadPixelData<L8>(pixels, 28, 28);
        using var stream = new MemoryStream();
        image.Save(stream, format switch
        {
            "png" => new PngEncoder(),
            "jpg" => new JpegEncoder { Quality = 100 },
            _ => (SixLabors.ImageSharp.Formats.IImageEncoder)new BmpEncoder(),
        });
        return stream.ToArray();
    }
}
