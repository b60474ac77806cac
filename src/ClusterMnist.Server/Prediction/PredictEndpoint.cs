using System.Buffers;
using System.Diagnostics;
using ClusterMnist.Core.Imaging;
using ClusterMnist.Server.Hosting;
using ClusterMnist.Server.Metrics;
using ClusterMnist.Server.Snapshots;
using Microsoft.AspNetCore.Http;

namespace ClusterMnist.Server.Prediction;

/// <summary>
/// <c>POST /api/predict</c>. The body is read from the request pipe without copying (counting toward the size limit,
/// so chunked bodies are bounded too) and parsed into pooled buffers; a batch is predicted on the request's thread,
/// a single image through <see cref="PredictionCoalescer"/> together with its concurrent peers. The model is read
/// once per request, so every answer comes from exactly one snapshot.
/// </summary>
internal sealed partial class PredictEndpoint(ServerOptions options, IModelSnapshotSource models, PredictionMetrics metrics)
{
    private const string JsonContentType = "application/json; charset=utf-8";

    private readonly PredictionCoalescer _coalescer = new();

    private static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    public async Task HandleAsync(HttpContext context)
    {
        long start = Stopwatch.GetTimestamp();
        var (outcome, images) = await ProcessAsync(context).ConfigureAwait(false);
        metrics.Record(outcome, start, images);
    }

    private async Task<(PredictionOutcome Outcome, int Images)> ProcessAsync(HttpContext context)
    {
        var request = context.Request;
        var snapshot = models.Current;
        if (snapshot is null)
        {
            await JsonError.WriteAsync(context, StatusCodes.Status503ServiceUnavailable,
                "no model is being served yet: training has not produced parameters and no checkpoint was loaded.").ConfigureAwait(false);
            return (PredictionOutcome.NoModel, 0);
        }

        var kind = ContentKinds.Of(request.ContentType);
        if (kind == ContentKind.Unsupported)
        {
            string given = request.ContentType is null ? "no Content-Type" : $"Content-Type '{request.ContentType}'";
            await JsonError.WriteAsync(context, StatusCodes.Status415UnsupportedMediaType,
                $"{given} is not supported: send application/json ({{\"pixels\": [...]}} or {{\"images\": [[...]]}}) or image/png.").ConfigureAwait(false);
            return (PredictionOutcome.UnsupportedMediaType, 0);
        }

        if (request.ContentLength > options.MaxBodyBytes)
        {
            await TooLargeAsync(context).ConfigureAwait(false);
            return (PredictionOutcome.TooLarge, 0);
        }

        var (body, refusal) = await ReadBodyAsync(context).ConfigureAwait(false);
        if (refusal is { } refused)
        {
            await JsonError.WriteAsync(context, refused.Status, refused.Message).ConfigureAwait(false);
            return (refused.Status == StatusCodes.Status413PayloadTooLarge ? PredictionOutcome.TooLarge : PredictionOutcome.BadRequest, 0);
        }

        var spec = snapshot.Spec;
        float[] inputs = ArrayPool<float>.Shared.Rent(spec.InputSize);
        float[]? outputs = null;
        try
        {
            string? error;
            int images = 1;
            bool batch = false;
            try
            {
                error = kind == ContentKind.Png
                    ? DecodePng(body, spec.InputSize, inputs)
                    : PixelJsonReader.Read(body, spec.InputSize, options.MaxBatchImages, ref inputs, out images, out batch);
            }
            finally
            {
                request.BodyReader.AdvanceTo(body.End);
            }

            if (error is not null)
            {
                await JsonError.WriteAsync(context, StatusCodes.Status400BadRequest, error).ConfigureAwait(false);
                return (PredictionOutcome.BadRequest, 0);
            }

            outputs = ArrayPool<float>.Shared.Rent(images * spec.OutputSize);
            if (images == 1)
            {
                await _coalescer.PredictAsync(snapshot, inputs, outputs).ConfigureAwait(false);
            }
            else
            {
                Inference.Predict(snapshot, inputs, images, outputs);
            }

            var response = context.Response;
            response.ContentType = JsonContentType;
            PredictionJson.Write(response.BodyWriter, outputs, images, batch, snapshot);
            await response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
            return (PredictionOutcome.Ok, images);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(inputs);
            if (outputs is not null)
            {
                ArrayPool<float>.Shared.Return(outputs);
            }
        }
    }

    private static string? DecodePng(ReadOnlySequence<byte> body, int inputSize, float[] inputs)
    {
        if (inputSize != DigitNormalizer.Side * DigitNormalizer.Side)
        {
            return $"this model takes {inputSize} inputs, not a {DigitNormalizer.Side}×{DigitNormalizer.Side} image: send JSON pixels.";
        }

        byte[]? rented = null;
        try
        {
            ReadOnlySpan<byte> bytes;
            if (body.IsSingleSegment)
            {
                bytes = body.FirstSpan;
            }
            else
            {
                rented = ArrayPool<byte>.Shared.Rent((int)body.Length);
                body.CopyTo(rented);
                bytes = rented.AsSpan(0, (int)body.Length);
            }

            if (!bytes.StartsWith(PngSignature))
            {
                return bytes.IsEmpty ? "the body is empty: send a PNG image." : "the body is not a PNG image (bad signature).";
            }

            DigitImage.Decode(bytes, "uploaded PNG").CopyTo(inputs, 0);
            return null;
        }
        catch (ImageFormatException e)
        {
            return e.Message;
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or IndexOutOfRangeException or OverflowException)
        {
            // A decoder should report damage as ImageFormatException; anything else it throws on hostile bytes is still the client's bad image.
            return $"uploaded PNG: cannot be decoded ({e.Message}).";
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private Task TooLargeAsync(HttpContext context) =>
        JsonError.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, TooLargeMessage);

    private string TooLargeMessage => $"the request body is larger than the limit of {options.MaxBodyBytes} bytes.";
}
