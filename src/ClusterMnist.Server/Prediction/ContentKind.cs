namespace ClusterMnist.Server.Prediction;

/// <summary>The body formats <c>POST /api/predict</c> accepts.</summary>
internal enum ContentKind
{
    Unsupported,
    Json,
    Png,
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

        return media.Equals("image/png", StringComparison.OrdinalIgnoreCase) ? ContentKind.Png : ContentKind.Unsupported;
    }
}
