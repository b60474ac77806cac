using System.Net;
using System.Text.Json;
using static ClusterMnist.Server.Tests.JsonBodies;

namespace ClusterMnist.Server.Tests;

/// <summary>Requests from the hostile probe of issue 12 that once answered 500: each must get a 4xx with a JSON reason.</summary>
public sealed class HostileRequestTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static readonly string Zeros = string.Join(",", Enumerable.Repeat("0", 784));

    public static TheoryData<string> LoneSurrogates => new()
    {
        "{\"\\ud800\":[1]}",
        "{\"\\udfff\":1}",
        "{\"pixels\":[" + Zeros + "],\"\\ud800\":1}",
        "{\"images\":[[" + Zeros + "]],\"x\\ud83d\":1}",
    };

    [Theory]
    [MemberData(nameof(LoneSurrogates))]
    public async Task Predict_Answers400_ForALoneSurrogateInAKey(string body)
    {
        using var response = await server.Client.PostAsync("/api/predict", Json(body));

        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"expected 400, got {(int)response.StatusCode}: '{text}'");
        Assert.Contains("malformed JSON", JsonDocument.Parse(text).RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("80000000")]
    [InlineData("ffffffff")]
    [InlineData("100000000")]
    [InlineData("ffffffffffffffffffff")]
    [InlineData("zz")]
    public async Task Predict_Answers4xx_ForAHugeOrBadChunkSize(string chunkSize)
    {
        var (status, body) = await RawHttp.SendAsync(
            server.Client.BaseAddress!, RawHttp.ChunkedPost("/api/predict", "application/json", chunkSize), TimeSpan.FromSeconds(30));

        Assert.True(status is >= 400 and < 500, $"expected a 4xx for chunk size {chunkSize}, got {status}: '{body}'");
        Assert.Contains("\"error\"", body, StringComparison.Ordinal);
    }
}
