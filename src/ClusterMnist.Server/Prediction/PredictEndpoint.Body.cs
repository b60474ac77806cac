using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace ClusterMnist.Server.Prediction;

// Reading the request body, and turning what Kestrel refuses while reading it into a 4xx with a reason.
internal sealed partial class PredictEndpoint
{
    /// <summary>
    /// Reads the whole body into the pipe (not advanced: the caller advances past it once parsed). A body over the
    /// limit, or one Kestrel cannot frame, comes back as a refusal: Kestrel reports a bad chunk header, a body cut
    /// short or a stalled upload as <see cref="BadHttpRequestException"/> with its status (400, 408, 413), but a chunk
    /// size of 0x80000000 or more overflows its parser and surfaces as a bare <see cref="IOException"/>, once a 500.
    /// A client that goes away while sending is not a refusal: its exception leaves for <see cref="HandleAsync"/>.
    /// </summary>
    private async Task<(ReadOnlySequence<byte> Body, (int Status, string Message)? Refusal)> ReadBodyAsync(HttpContext context)
    {
        // Kestrel's own cap (30,000,000 bytes unless set) would otherwise refuse bodies that Http:MaxBodyBytes allows.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = options.MaxBodyBytes;
        }

        PipeReader reader = context.Request.BodyReader;
        try
        {
            while (true)
            {
                ReadResult read = await reader.ReadAsync(context.RequestAborted).ConfigureAwait(false);
                if (read.Buffer.Length > options.MaxBodyBytes)
                {
                    reader.AdvanceTo(read.Buffer.End);
                    return (default, (StatusCodes.Status413PayloadTooLarge, TooLargeMessage));
                }

                if (read.IsCompleted)
                {
                    return (read.Buffer, null);
                }

                reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
            }
        }
        catch (BadHttpRequestException e)
        {
            return (default, e.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? (StatusCodes.Status413PayloadTooLarge, TooLargeMessage)
                : (e.StatusCode, $"the request body cannot be read: {e.Message}"));
        }
        catch (IOException e) when (e is not ConnectionResetException)
        {
            // Our own words: an IOException's text can come from the transport and is not for an anonymous client.
            return (default, (StatusCodes.Status400BadRequest, "the request body cannot be read: its chunked framing is malformed (a chunk size too large to parse?)."));
        }
    }
}
