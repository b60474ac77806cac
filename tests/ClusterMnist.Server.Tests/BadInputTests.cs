using System.Buffers.Binary;
using System.IO.Hashing;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using static ClusterMnist.Server.Tests.JsonBodies;

namespace ClusterMnist.Server.Tests;

public sealed class BadInputTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static readonly string Zeros = string.Join(",", Enumerable.Repeat("0", 784));

    private static string Image(string firstValue) => "[" + firstValue + "," + string.Join(",", Enumerable.Repeat("0", 783)) + "]";

    public static TheoryData<string, string> BadJson => new()
    {
        { "{\"pixels\":[" + string.Join(",", Enumerable.Repeat("0", 783)) + "]}", "has 783 values" },
        { "{\"pixels\":[" + Zeros + ",0]}", "more than 784" },
        { "{\"pixels\":[]}", "has 0 values" },
        { "{\"pixels\":" + Image("256") + "}", "pixels[0] = 256 is out of range" },
        { "{\"pixels\":" + Image("-1") + "}", "pixels[0] = -1 is out of range" },
        { "{\"pixels\":" + Image("1e400") + "}", "out of range" },
        { "{\"pixels\":" + Image(new string('9', 100_000)) + "}", "pixels[0] = " + new string('9', 32) + "… (100000 characters) is out of range" },
        { "{\"pixels\":" + Image("\"NaN\"") + "}", "pixels[0] must be a number, got a string" },
        { "{\"pixels\":" + Image("null") + "}", "pixels[0] must be a number, got null" },
        { "{\"pixels\":" + Image("true") + "}", "got a boolean" },
        { "{\"pixels\":" + Image("[1,2]") + "}", "got a nested array" },
        { "{\"pixels\":" + Image("{\"a\":1}") + "}", "got an object" },
        { "{\"pixels\":\"0,0,0\"}", "must be an array of 784 numbers, got a string" },
        { "{\"pixels\":null}", "got null" },
        { "{\"pixels\":[0,0,", "malformed JSON" },
        { "{\"pixels\":[0 0]}", "malformed JSON" },
        { "{\"pixels\":[" + Zeros + "]} trailing", "malformed JSON" },
        { "not json at all", "malformed JSON" },
        { "", "malformed JSON" },
        { "[" + Zeros + "]", "must be a JSON object" },
        { "{}", "no \"pixels\" or \"images\"" },
        { "{\"pixel\":[1,2,3]}", "no \"pixels\" or \"images\"" },
        { "{\"images\":[]}", "\"images\" is empty" },
        { "{\"images\":[[" + Zeros + "],[1,2]]}", "images[1] has 2 values" },
        { "{\"images\":[[" + Zeros + "],\"x\"]}", "images[1] must be an array" },
        { "{\"images\":[[" + Zeros + "]," + Image("300") + "]}", "images[1][0] = 300 is out of range" },
        { "{\"images\":{\"0\":1}}", "must be an array of images" },
        { "{\"pixels\":[" + Zeros + "],\"images\":[[" + Zeros + "]]}", "either" },
    };

    [Theory]
    [MemberData(nameof(BadJson))]
    public async Task Predict_Answers400WithTheReason_ForBadJson(string body, string reason)
    {
        using var response = await server.Client.PostAsync("/api/predict", Json(body));

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, reason);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("video/mp4")]
    [InlineData(null)]
    public async Task Predict_Answers415_ForAnUnsupportedContentType(string? contentType)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes("{\"pixels\":[" + Zeros + "]}"));
        content.Headers.ContentType = contentType is null ? null : new MediaTypeHeaderValue(contentType);

        using var response = await server.Client.PostAsync("/api/predict", content);

        await AssertErrorAsync(response, HttpStatusCode.UnsupportedMediaType, "not supported");
    }

    public static TheoryData<byte[], string> BadPngs => new()
    {
        { [], "empty" },
        { Encoding.ASCII.GetBytes("%PDF-1.7 not a picture"), "not a supported image" },
        { [.. "GIF89a"u8, 16, 0, 16, 0, .. "not a gif"u8], "not a valid GIF image" },
        { TestPictures.Grey(new byte[28 * 28], 28, 28).AsSpan(0, 40).ToArray(), "not a valid PNG image" },
        { Corrupted(TestPictures.Grey(new byte[28 * 28], 28, 28)), "not a valid PNG image" },
        { TestPictures.Grey(new byte[56 * 56], 56, 56), "blank" },
        { TestPictures.Grey(new byte[28 * 28], 28, 28), "blank" },
        { PresetDictionary(TestPictures.Grey(TestModels.Pixels(seed: 2).Select(p => (byte)p).ToArray(), 28, 28)), "not a valid PNG image" },
    };

    [Theory]
    [MemberData(nameof(BadPngs))]
    public async Task Predict_Answers400_ForAnUndecodablePng(byte[] body, string reason)
    {
        using var response = await server.Client.PostAsync("/api/predict", Png(body));

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, reason);
    }

    [Fact]
    public async Task Predict_Answers413_WhenContentLengthIsOverTheLimit()
    {
        var body = "{\"pixels\":[" + string.Join(",", Enumerable.Repeat("100.000000", 120_000)) + "]}";

        using var response = await server.Client.PostAsync("/api/predict", Json(body));

        await AssertErrorAsync(response, HttpStatusCode.RequestEntityTooLarge, "larger than the limit of 1048576 bytes");
    }

    [Fact]
    public async Task Predict_Answers413_ForAChunkedBodyOverTheLimit()
    {
        var body = Encoding.UTF8.GetBytes("{\"images\":[" + string.Join(",", Enumerable.Repeat("[" + Zeros + "]", 800)) + "]}");
        Assert.True(body.Length > 1024 * 1024);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/predict") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TransferEncodingChunked = true;

        using var response = await server.Client.SendAsync(request);

        Assert.Null(request.Content.Headers.ContentLength);
        await AssertErrorAsync(response, HttpStatusCode.RequestEntityTooLarge, "larger than the limit");
    }

    [Fact]
    public async Task Predict_ReadsABodyOverKestrelsDefaultCap_WhenMaxBodyBytesAllowsIt()
    {
        // Kestrel refuses bodies over 30,000,000 bytes unless told otherwise; the setting is the one limit.
        var options = new ServerOptions { MaxBodyBytes = 40_000_000 };
        await using var host = await ServerHost.StartAsync("http://127.0.0.1:0", server.Models, new Status.InMemoryClusterStatus(), options);
        using var client = new HttpClient { BaseAddress = host.Address, Timeout = TimeSpan.FromSeconds(60) };
        var body = "{\"pixels\":[" + Zeros + "]" + new string(' ', 31_000_000) + "}";

        using var allowed = await client.PostAsync("/api/predict", Json(body));

        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
    }

    [Fact]
    public async Task Predict_StillAnswers_AfterBadRequests()
    {
        using (await server.Client.PostAsync("/api/predict", Json("{")))
        {
        }

        using var response = await server.Client.PostAsync("/api/predict", Json("{\"pixels\":[" + Zeros + "]}"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>The probe's PNG whose zlib header sets FDICT (a preset dictionary PNG never uses): once a 500.</summary>
    private static byte[] PresetDictionary(byte[] png)
    {
        int idat = 8;
        while (Encoding.ASCII.GetString(png, idat + 4, 4) != "IDAT")
        {
            idat += 12 + BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(idat));
        }

        int length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(idat));
        int zlib = idat + 8;
        png[zlib + 1] = (byte)((png[zlib + 1] & 0xC0) | 0x20);
        png[zlib + 1] += (byte)((31 - ((png[zlib] * 256) + png[zlib + 1]) % 31) % 31);
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(zlib + length), Crc32.HashToUInt32(png.AsSpan(idat + 4, 4 + length)));
        return png;
    }

    private static byte[] Corrupted(byte[] png)
    {
        var copy = (byte[])png.Clone();
        for (int i = 45; i < copy.Length - 12; i++)
        {
            copy[i] ^= 0x5A;
        }

        return copy;
    }

    private static async Task AssertErrorAsync(HttpResponseMessage response, HttpStatusCode status, string reason)
    {
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var error = System.Text.Json.JsonDocument.Parse(text).RootElement.GetProperty("error").GetString();
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }
}
