using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace ClusterMnist.Server.Tests;

internal static class JsonBodies
{
    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public static StringContent Pixels<T>(T[] pixels) => Json("{\"pixels\":" + JsonSerializer.Serialize(pixels) + "}");

    public static ByteArrayContent Png(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        return content;
    }

    public static float[] Probabilities(JsonElement answer) =>
        answer.GetProperty("probabilities").EnumerateArray().Select(p => p.GetSingle()).ToArray();

    public static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response)
    {
        string text = await response.Content.ReadAsStringAsync();
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }
}
