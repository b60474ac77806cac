using System.Buffers;
using System.Diagnostics;
using ClusterMnist.Server.Hosting;
using ClusterMnist.Server.Metrics;
using ClusterMnist.Server.Snapshots;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;

namespace ClusterMnist.Server.Prediction;

/// <summary>
/// <c>POST /api/predict</c>. The body is read from the request pipe without copying (counting toward the size limit,
/// so chunked bodies are bounded too) and parsed into pooled buffers; a batch is predicted on the request's thread,
/// a single image through <see cref="PredictionCoalescer"/> together with its concurrent peers. The model is read
/// once per request, so every answer comes from exactly one snapshot. Every bad input, down to a malformed chunk
/// header, is answered with a 4xx and a JSON reason, never a 500. A 500 (with a JSON reason) means the served model
/// itself is broken: its parameters are finite but so large that the probabilities are not (a diverged run).
/// </summary>
internal sealed partial class PredictEndpoint(ServerOptions options, IModelSnapshotSource models, PredictionMetrics metrics)
{
    private const string JsonContentType = "application/json; charset=utf-8";

    private readonly PredictionCoalescer _coalescer = new();
    private readonly DecodeSlots _decodeSlots = new(options.MaxConcurrentDecodes);

    public async Task HandleAsync(HttpContext context)
    {
        long start = Stopwatch.GetTimestamp();
        (PredictionOutcome Outcome, int Images) result;
        try
        {
            result = await ProcessAsync(context).ConfigureAwait(false);
        }
        catch (Exception e) when (ClientWentAway(context, e))
        {
            // Nobody reads an answer; 499 (client closed request) is for the server's own request logs and metrics.
            if (!context.Response.HasStarted)
                context.Response.StatusCode = StatusCodes.Status499ClientClosedRequest;
            result = (PredictionOutcome.ClientClosed, 0);
        }

        metrics.Record(result.Outcome, start, result.Images);
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
                $"{given} is not supported: send application/json ({{\"pixels\": [...]}} or {{\"images\": [[...]]}}) or a picture "
                + "(image/png, image/jpeg, image/bmp, image/gif, image/tiff, image/webp, ... or application/octet-stream).").ConfigureAwait(false);
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
            return await RefuseAsync(context, refused).ConfigureAwait(false);
        }

        var spec = snapshot.Spec;
        float[] inputs = ArrayPool<float>.Shared.Rent(spec.InputSize);
        float[]? outputs = null;
        try
        {
            int images = 1;
            bool batch = false;
            (int Status, string Message)? error;
            try
            {
                if (kind == ContentKind.Image)
                {
                    error = await DecodeImageAsync(body, spec.InputSize, inputs, context.RequestAborted).ConfigureAwait(false);
                }
                else
                {
                    string? message = PixelJsonReader.Read(body, spec.InputSize, options.MaxBatchImages, ref inputs, out images, out batch);
                    error = message is null ? null : (StatusCodes.Status400BadRequest, message);
                }
            }
            finally
            {
                request.BodyReader.AdvanceTo(body.End);
            }

            if (error is { } failed)
            {
                return await RefuseAsync(context, failed).ConfigureAwait(false);
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

            if (!AllFinite(outputs.AsSpan(0, images * spec.OutputSize)))
            {
                await JsonError.WriteAsync(context, StatusCodes.Status500InternalServerError,
                    $"the served model (version {snapshot.Version}, step {snapshot.Step}) gives probabilities that are not finite numbers: "
                    + "its training diverged. Train it again with a lower learning rate.").ConfigureAwait(false);
                return (PredictionOutcome.ModelError, 0);
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

    private static bool AllFinite(ReadOnlySpan<float> values)
    {
        foreach (float value in values)
        {
            if (!float.IsFinite(value))
            {
                return false;
            }
        }

        return true;
    }

    // The client went away while sending its body or before its answer was written. Told apart by type, not by whether
    // RequestAborted is cancelled yet (Kestrel cancels it from a thread-pool callback, before or after the read fails):
    // a reset connection surfaces as ConnectionResetException (an IOException, which otherwise means malformed chunk
    // framing), an aborted one as ConnectionAbortedException or an operation cancelled by the abort (OperationCanceledException).
    // A body that ends early (BadHttpRequestException, also an IOException) stays the client's bad request.
    private static bool ClientWentAway(HttpContext context, Exception e) =>
        e is ConnectionResetException or ConnectionAbortedException
        || (e is OperationCanceledException && context.RequestAborted.IsCancellationRequested);

    private static async Task<(PredictionOutcome Outcome, int Images)> RefuseAsync(HttpContext context, (int Status, string Message) refusal)
    {
        await JsonError.WriteAsync(context, refusal.Status, refusal.Message).ConfigureAwait(false);
        return (refusal.Status == StatusCodes.Status413PayloadTooLarge ? PredictionOutcome.TooLarge : PredictionOutcome.BadRequest, 0);
    }

    private Task TooLargeAsync(HttpContext context) =>
        JsonError.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, TooLargeMessage);

    private string TooLargeMessage => $"the request body is larger than the limit of {options.MaxBodyBytes} bytes.";
}
