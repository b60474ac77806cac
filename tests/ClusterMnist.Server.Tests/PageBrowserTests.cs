using ClusterMnist.Core.Data;
using ClusterMnist.Core.Training;
using ClusterMnist.Server.Snapshots;
using ClusterMnist.Server.Status;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace ClusterMnist.Server.Tests;

/// <summary>The page in a real browser (Debian's Chromium through Playwright) against a server that really trains.</summary>
public sealed class PageBrowserTests(ITestOutputHelper output)
{
    private const string Chromium = "/usr/bin/chromium";

    [SkippableFact]
    public async Task Page_PredictsTheLabel_OfMnistDigitsDrawnOnTheCanvas()
    {
        var data = TrainedModel.LoadDigits();
        Skip.If(data is null, "needs CLUSTERMNIST_DATA (the MNIST test set).");
        Skip.IfNot(File.Exists(Chromium), $"needs Chromium at {Chromium} (apt-get install chromium; .ci/run installs it).");

        var models = new ModelSnapshotHolder();
        var status = new InMemoryClusterStatus();
        await using var host = await ServerHost.StartAsync("http://127.0.0.1:0", models, status);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"],
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1180, Height = 1000 } });
        var failedRequests = new List<string>();
        page.RequestFailed += (_, request) => failedRequests.Add(request.Url);
        var consoleErrors = new List<string>();
        page.Console += (_, message) =>
        {
            output.WriteLine($"console {message.Type}: {message.Text}");
            if (message.Type == "error")
            {
                consoleErrors.Add(message.Text);
            }
        };
        await page.GotoAsync(host.Address.ToString());

        // Train while the page is open: the curves and the members table must fill in without a reload.
        // The checkpoint lets the feed publish a model at every epoch end: 3 epochs + the final one = version 4.
        string checkpoint = Path.Combine(Path.GetTempPath(), $"server-browser-{Guid.NewGuid():N}.ckpt");
        var trainer = new LocalTrainer(TrainedModel.QuickOptions(), data) { CheckpointPath = checkpoint };
        TrainingResult result;
        try
        {
            result = await Task.Run(() => LocalTrainingFeed.Run(trainer, models, status));
        }
        finally
        {
            File.Delete(checkpoint);
        }

        Assert.Equal(4, models.Current!.Version);
        output.WriteLine($"trained: test accuracy {result.Test.Accuracy:P2} in {result.TrainSeconds:F1} s");
        await page.WaitForFunctionAsync(
            "() => document.getElementById('run-state').textContent === 'finished'", null, new PageWaitForFunctionOptions { Timeout = 10_000 });
        Assert.Contains("local", await page.InnerTextAsync("#members"), StringComparison.Ordinal);
        Assert.Equal("3 / 3", await page.InnerTextAsync("#stat-epoch"));

        foreach (int index in PickDigits(data.Test, models.Current!, count: 3))
        {
            int label = data.Test.Label(index);
            await page.ClickAsync("#clear");
            await DrawAsync(page, data.Test.Pixels(index).ToArray());
            await page.WaitForFunctionAsync(
                "() => document.getElementById('prediction').dataset.fresh === 'true'", null, new PageWaitForFunctionOptions { Timeout = 10_000 });
            string shown = await page.InnerTextAsync("#digit");
            output.WriteLine($"test image {index}: label {label}, page shows {shown} ({await page.InnerTextAsync("#confidence")})");
            Assert.Equal(label.ToString(System.Globalization.CultureInfo.InvariantCulture), shown);
        }

        string screenshot = Path.Combine(AppContext.BaseDirectory, "page.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
        output.WriteLine($"screenshot: {screenshot}");
        Assert.Empty(failedRequests);
        Assert.Empty(consoleErrors);
    }

    // Digits of different classes that the model gets right with confidence, so a failure points at the page.
    private static IEnumerable<int> PickDigits(ImageSet test, ParameterSnapshot model, int count)
    {
        var seen = new HashSet<int>();
        var inputs = new float[test.PixelsPerImage];
        var probabilities = new float[model.Spec.OutputSize];
        var workspace = model.Network.CreateWorkspace(1);
        for (int i = 0; i < test.Count && seen.Count < count; i += 17)
        {
            test.Gather([i], inputs, new byte[1]);
            model.Network.Predict(model.Parameters, inputs, 1, probabilities, workspace);
            int label = test.Label(i);
            if (probabilities[label] > 0.98f && seen.Add(label))
            {
                yield return i;
            }
        }
    }

    // One mouse stroke per run of inked pixels in each row, scaled from 28×28 to the canvas.
    private static async Task DrawAsync(IPage page, byte[] pixels)
    {
        var runs = new List<(int Row, int Start, int End)>();
        for (int y = 0; y < 28; y++)
        {
            int x = 0;
            while (x < 28)
            {
                if (pixels[y * 28 + x] < 128)
                {
                    x++;
                    continue;
                }

                int start = x;
                while (x < 28 && pixels[y * 28 + x] >= 128)
                {
                    x++;
                }

                runs.Add((y, start, x - 1));
            }
        }

        var box = await page.Locator("#pad").BoundingBoxAsync() ?? throw new InvalidOperationException("the pad is not visible");
        float scale = box.Width / 28;
        foreach (var (row, start, end) in runs)
        {
            float y = box.Y + (row + 0.5f) * scale;
            await page.Mouse.MoveAsync(box.X + (start + 0.5f) * scale, y);
            await page.Mouse.DownAsync();
            await page.Mouse.MoveAsync(box.X + (end + 0.5f) * scale, y, new MouseMoveOptions { Steps = Math.Max(1, end - start) });
            await page.Mouse.UpAsync();
        }
    }
}
