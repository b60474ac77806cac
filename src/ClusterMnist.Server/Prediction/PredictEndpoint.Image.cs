using System.Buffers;
using ClusterMnist.Core.Imaging;
using Microsoft.AspNetCore.Http;

namespace ClusterMnist.Server.Prediction;

// Uploaded pictures: the header is checked against the pixel budget first, then the picture is decoded in one of a
// bounded number of slots, so neither a decompression bomb nor a crowd of honest photos can exhaust memory.
internal sealed partial class PredictEndpoint
{
    private const string UploadName = "uploaded image";

    private async Task<(int Status, string Message)?> DecodeImageAsync(
        ReadOnlySequence<byte> body, int inputSize, float[] inputs, CancellationToken cancellationToken)
    {
        if (inputSize != DigitNormalizer.Side * DigitNormalizer.Side)
        {
            return (StatusCodes.Status400BadRequest,
                $"this model takes {inputSize} inputs, not a {DigitNormalizer.Side}×{DigitNormalizer.Side} image: send JSON pixels.");
        }

        // Cheap and outside the slots: a bomb is refused at once, without waiting behind honest decodes.
        if (Attempt(body, bytes => DigitImage.Inspect(bytes, UploadName, options.MaxImagePixels)) is { } refused)
        {
            return refused;
        }

        return await _decodeSlots.RunAsync(
            () => Attempt(body, bytes => DigitImage.Decode(bytes, UploadName, options.MaxImagePixels).CopyTo(inputs, 0)),
            cancellationToken).ConfigureAwait(false);
    }

    private delegate void ImageStep(ReadOnlySpan<byte> bytes);

    private static (int Status, string Message)? Attempt(ReadOnlySequence<byte> body, ImageStep step)
    {
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

            step(bytes);
            return null;
        }
        catch (ImageTooLargeException e)
        {
            return (StatusCodes.Status413PayloadTooLarge, e.Message);
        }
        catch (ImageFormatException e)
        {
            return (StatusCodes.Status400BadRequest, e.Message);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
