using System.Net;
using System.Text.Json;
using ClusterMnist.Core.Imaging;
using static ClusterMnist.Server.Tests.JsonBodies;

namespace ClusterMnist.Server.Tests;

public sealed class PredictApiTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Predict_AnswersWithTheModelsProbabilities_ForOneImageOf0To255()
    {
        var pixels = TestModels.Pixels(seed: 3);
        var snapshot = server.Models.Current!;

        using var response = await server.Client.PostAsync("/api/predict", Pixels(pixels));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var answer = await ReadJsonAsync(response);
        var expected = TestModels.Expected(snapshot, TestModels.Scaled(pixels));
        Assert.Equal(expected, Probabilities(answer));
        Assert.Equal(Array.IndexOf(expected, expected.Max()), answer.GetProperty("digit").GetInt32());
        Assert.Equal(snapshot.Version, answer.GetProperty("modelVersion").GetInt64());
        Assert.Equal(snapshot.Step, answer.GetProperty("step").GetInt64());
    }

    [Fact]
    public async Task Predict_ReadsJsonThatStartsWithAByteOrderMark()
    {
        // What e.g. PowerShell 5's Out-File -Encoding utf8 writes.
        var pixels = TestModels.Pixels(seed: 3);
        byte[] json = [0xEF, 0xBB, 0xBF, .. System.Text.Encoding.UTF8.GetBytes("{\"pixels\":" + JsonSerializer.Serialize(pixels) + "}")];
        using var content = new ByteArrayContent(json);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");

        using var response = await server.Client.PostAsync("/api/predict", content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(TestModels.Expected(server.Models.Current!, TestModels.Scaled(pixels)), Probabilities(await ReadJsonAsync(response)));
    }

    [Fact]
    public async Task Predict_TakesValuesUpTo1AsTheUnitScale()
    {
        var unit = TestModels.Scaled(TestModels.Pixels(seed: 5));
        var snapshot = server.Models.Current!;

        using var response = await server.Client.PostAsync("/api/predict", Pixels(unit));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(TestModels.Expected(snapshot, unit), Probabilities(await ReadJsonAsync(response)));
    }

    [Fact]
    public async Task Predict_AnswersEveryImageOfABatch_InOrder()
    {
        // 200 images cross the 128-row passes; mixed scales are decided per image.
        var images = Enumerable.Range(0, 200)
            .Select(i => i % 10 != 0 ? TestModels.Pixels(i).Select(p => (float)p).ToArray() : TestModels.Scaled(TestModels.Pixels(i)))
            .ToArray();
        var snapshot = server.Models.Current!;

        using var response = await server.Client.PostAsync("/api/predict", Json(JsonSerializer.Serialize(new { images })));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answers = (await ReadJsonAsync(response)).EnumerateArray().ToArray();
        Assert.Equal(images.Length, answers.Length);
        for (int i = 0; i < images.Length; i++)
        {
            var expected = TestModels.Expected(snapshot, TestModels.Scaled(TestModels.Pixels(i)));
            var actual = Probabilities(answers[i]);
            // Batched passes may use another kernel than a single row: equal to float rounding, same digit.
            for (int c = 0; c < expected.Length; c++)
            {
                Assert.Equal(expected[c], actual[c], 1e-5f);
            }

            Assert.Equal(Array.IndexOf(expected, expected.Max()), answers[i].GetProperty("digit").GetInt32());
        }
    }

    [Fact]
    public async Task Predict_NormalisesAPngLikeTheCli()
    {
        // A dark "7" on a light 56×56 canvas: the server must invert, crop, scale and centre it as DigitImage does.
        var canvas = new byte[56 * 56];
        Array.Fill(canvas, (byte)250);
        for (int x = 10; x < 46; x++)
        {
            for (int t = 0; t < 4; t++)
            {
                canvas[(8 + t) * 56 + x] = 10;
            }
        }

        for (int y = 12; y < 50; y++)
        {
            int x = 44 - (y - 12) / 2;
            for (int t = 0; t < 4; t++)
            {
                canvas[y * 56 + x + t] = 10;
            }
        }

        byte[] png = TestPictures.Grey(canvas, 56, 56);
        var snapshot = server.Models.Current!;

        using var response = await server.Client.PostAsync("/api/predict", Png(png));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(TestModels.Expected(snapshot, DigitImage.Decode(png)), Probabilities(await ReadJsonAsync(response)));
    }
}
