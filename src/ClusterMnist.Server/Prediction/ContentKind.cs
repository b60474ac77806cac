namespace ClusterMnist.Server.Prediction;

/// <summary>The body formats <c>POST /api/predict</c> accepts.</summary>
internal enum ContentKind
{
    Unsupported,
    Json,

    /// <summary>A picture in any format the decoder reads; the bytes, not the media type, say which.</summary>
    Image,
}

/// <summary>Classifies a Content-Type header without allocating.</summary>
internal static class ContentKinds
{
    public static ContentKind Of(string? contentType)
    {
        if (contentType is null)
        {
            return ContentKind.Unsupported;
        }

        var media = contentType.AsSpan();
        int semicolon = media.IndexOf(';');
        media = (semicolon >= 0 ? media[..semicolon] : media).Trim();
        if (media.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || media.Equals("text/json", StringComparison.OrdinalIgnoreCase)
            || media.EndsWith("+json", StringComparison.OrdinalIgnoreCase))
        {
            return ContentKind.Json;
        }

        // Browsers and curl label files by extension, often wrongly (a .jpg that is a PNG); the decoder looks at the bytes.
        return media.StartsWith("image/", StringComparison.OrdinalIgnoreCase)
            || media.Equals("application/octet-stream", StringComparison.OrdinalIgnoreCase)
            ? ContentKind.Image
            : ContentKind.Unsupported;
    }
}
