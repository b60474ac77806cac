using System.Net;
using System.Net.Http.Headers;
using ClusterMnist.Core.Training;
using ClusterMnist.Server.Snapshots;
using ClusterMnist.Server.Status;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using Xunit.Abstractions;
using static ClusterMnist.Server.Tests.JsonBodies;

namespace ClusterMnist.Server.Tests;

/// <summary>Real MNIST test digits uploaded as PNG, JPEG and BMP get the answer their raw pixels get.</summary>
public sealed class PictureFormatTests(ITestOutputHelper output)
{
    public static TheoryData<string> Formats => ["image/png", "image/bmp", "image/jpeg"];

    [SkippableTheory]
    [MemberData(nameof(Formats))]
    public async Task Predict_AnswersLikeTheRawPixels_ForRealDigitsInEachFormat(string mediaType)
    {
        var data = TrainedModel.LoadDigits();
        Skip.If(data is null, "needs CLUSTERMNIST_DATA (the MNIST test set).");

        var trainer = new LocalTrainer(TrainedModel.QuickOptions(epochs: 2), data);
        var result = trainer.Run();
        var snapshot = new ParameterSnapshot(TrainedModel.QuickOptions().Model, result.Parameters, version: 1, step: 0, epoch: 2);
        await using var host = await ServerHost.StartAsync("http://127.0.0.1:0", new ModelSnapshotHolder(snapshot), new InMemoryClusterStatus());
        using var client = new HttpClient { BaseAddress = host.Address, Timeout = TimeSpan.FromSeconds(60) };

        int agreed = 0;
        const int digits = 40;
        for (int i = 0; i < digits; i++)
        {
            byte[] pixels = data.Test.Pixels(i).ToArray();
            using var raw = await client.PostAsync("/api/predict", Pixels(pixels.Select(p => (int)p).ToArray()));
            var expected = await ReadJsonAsync(raw);
            var content = new ByteArrayContent(TestPictures.Grey(pixels, 28, 28, EncoderFor(mediaType)));
            content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
            using var uploaded = await client.PostAsync("/api/predict", content);

            Assert.Equal(HttpStatusCode.OK, uploaded.StatusCode);
            var answer = await ReadJsonAsync(uploaded);
            Assert.Equal(expected.GetProperty("digit").GetInt32(), answer.GetProperty("digit").GetInt32());
            if (mediaType != "image/jpeg")
            {
                // Lossless: the same pixels reach the model, so the same probabilities come back.
                Assert.Equal(Probabilities(expected), Probabilities(answer));
            }

            agreed++;
        }

        output.WriteLine($"{mediaType}: {agreed} of {digits} digits answered as their raw pixels (model test accuracy {result.Test.Accuracy:P2})");
    }

    private static IImageEncoder EncoderFor(string mediaType) => mediaType switch
    {
        "image/png" => new PngEncoder(),
        "image/bmp" => new BmpEncoder(),
        _ => new JpegEncoder { Quality = 100 },
    };
}
