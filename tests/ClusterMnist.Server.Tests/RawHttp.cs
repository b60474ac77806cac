using System.Net.Sockets;
using System.Text;

namespace ClusterMnist.Server.Tests;

/// <summary>
/// Sends bytes no well-behaved client would (malformed chunk sizes, bodies cut short) over a plain socket and reads
/// the status code and body of the answer. HttpClient refuses to produce such requests.
/// </summary>
internal static class RawHttp
{
    public static async Task<(int Status, string Body)> SendAsync(Uri server, byte[] request, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        using var client = new TcpClient();
        await client.ConnectAsync(server.Host, server.Port, cancel.Token);
        var stream = client.GetStream();
        try
        {
            await stream.WriteAsync(request, cancel.Token);
        }
        catch (IOException)
        {
            // The server may answer and close before it has read everything we meant to send.
        }

        var received = new MemoryStream();
        var buffer = new byte[8192];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, cancel.Token)) > 0)
            {
                received.Write(buffer, 0, read);
                if (TryParse(received.ToArray(), out var answer))
                {
                    return answer;
                }
            }
        }
        catch (IOException)
        {
            // A reset after the answer is fine; what was received is judged below.
        }

        return TryParse(received.ToArray(), out var last) ? last : (0, Encoding.ASCII.GetString(received.ToArray()));
    }

    /// <summary>A chunked POST whose first chunk-size line is <paramref name="chunkSize"/>, followed by a few bytes.</summary>
    public static byte[] ChunkedPost(string path, string contentType, string chunkSize) => Encoding.ASCII.GetBytes(
        $"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {contentType}\r\nTransfer-Encoding: chunked\r\n"
        + $"Connection: close\r\n\r\n{chunkSize}\r\n{{\"pixels\":[1,2,3]}}\r\n0\r\n\r\n");

    // The answer is complete once the headers are in and the declared body (Content-Length or chunks) has arrived.
    private static bool TryParse(byte[] bytes, out (int Status, string Body) answer)
    {
        answer = default;
        string text = Encoding.UTF8.GetString(bytes);
        int headerEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (headerEnd < 0 || !text.StartsWith("HTTP/1.1 ", StringComparison.Ordinal))
        {
            return false;
        }

        int status = int.Parse(text.AsSpan(9, 3), provider: System.Globalization.CultureInfo.InvariantCulture);
        string headers = text[..headerEnd];
        string body = text[(headerEnd + 4)..];
        var length = headers.Split("\r\n").FirstOrDefault(h => h.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
        if (length is not null)
        {
            int declared = int.Parse(length["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
            if (Encoding.UTF8.GetByteCount(body) < declared)
            {
                return false;
            }
        }
        else if (headers.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            if (!body.EndsWith("0\r\n\r\n", StringComparison.Ordinal))
            {
                return false;
            }

            body = Unchunk(body);
        }

        answer = (status, body);
        return true;
    }

    private static string Unchunk(string chunked)
    {
        var body = new StringBuilder();
        int position = 0;
        while (true)
        {
            int lineEnd = chunked.IndexOf("\r\n", position, StringComparison.Ordinal);
            int size = Convert.ToInt32(chunked[position..lineEnd], 16);
            if (size == 0)
            {
                return body.ToString();
            }

            body.Append(chunked, lineEnd + 2, size);
            position = lineEnd + 2 + size + 2;
        }
    }
}
