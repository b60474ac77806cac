using ClusterMnist.Server.Prediction;

namespace ClusterMnist.Server.Tests;

public class PredictionCoalescerTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 3)]
    [InlineData(4, 4)]
    [InlineData(5, 4)]
    [InlineData(31, 4)]
    [InlineData(32, 32)]
    [InlineData(100, 100)]
    [InlineData(500, 128)]
    public void PassRows_TakesFewRowsUnlessAFullPanelIsWaiting(int waiting, int expected)
    {
        // 5–31 rows would pay for a padded 32-row panel; passes of up to 4 run the few-row kernel.
        Assert.Equal(expected, PredictionCoalescer.PassRows(waiting));
    }

    [Fact]
    public async Task Coalescer_AnswersEveryConcurrentRequest_WithItsOwnImagesProbabilities()
    {
        // Many threads at once: every request must be answered (none stranded in the queue across hand-offs), and
        // with its own image's result. Passes of 1–4 rows give the bits of a lone prediction; 32+ rows may differ
        // in the last bits, never in the digit.
        var coalescer = new PredictionCoalescer();
        var snapshot = TestModels.Snapshot(seed: 5, version: 1);
        var images = Enumerable.Range(0, 16).Select(i => TestModels.Scaled(TestModels.Pixels(i))).ToArray();
        var expected = images.Select(image => TestModels.Expected(snapshot, image)).ToArray();
        var clients = Enumerable.Range(0, 32).Select(client => Task.Run(async () =>
        {
            for (int r = 0; r < 200; r++)
            {
                int index = (client + r) % images.Length;
                var output = new float[10];
                await coalescer.PredictAsync(snapshot, images[index], output);
                for (int c = 0; c < output.Length; c++)
                {
                    Assert.Equal(expected[index][c], output[c], 1e-5f);
                }

                Assert.Equal(Array.IndexOf(expected[index], expected[index].Max()), Array.IndexOf(output, output.Max()));
            }
        })).ToArray();

        var all = Task.WhenAll(clients);
        Assert.Same(all, await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(60))));
        await all;
    }
}
