using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Net;
using ClusterMnist.Cli.Hosting;

namespace ClusterMnist.Cli.Commands;

/// <summary>
/// `health`: asks a coordinator's health endpoint and exits 0 when it answers 2xx, 1 otherwise with a one-line reason.
/// The ASP.NET runtime image has neither curl nor wget, so the container HEALTHCHECK and scripts use this instead.
/// </summary>
internal static class HealthCommand
{
    private const int MaxReasonLength = 200;

    public static Command Create()
    {
        var url = new Option<Uri>("--url")
        {
            Description = "Endpoint to ask: /healthz (alive) or /readyz (serving a model).",
            DefaultValueFactory = _ => new Uri("http://127.0.0.1:8080/healthz"),
            CustomParser = ParseUrl,
        };
        // No DefaultValueFactory: help would show it as 00:00:03; the description gives it as it is typed.
        var timeout = new Option<TimeSpan?>("--timeout")
        {
            Description = "How long to wait for the answer: 3s, 500ms, 1m, or plain seconds. Default 3s.",
            HelpName = "DURATION",
            CustomParser = ParseTimeout,
        };
        var command = new Command("health", "Check a coordinator's /healthz or /readyz: exit 0 when healthy, 1 otherwise with the reason.")
        {
            url, timeout,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            var (healthy, line) = await CheckAsync(parseResult.GetValue(url)!, parseResult.GetValue(timeout) ?? TimeSpan.FromSeconds(3), cancellationToken)
                .ConfigureAwait(false);
            await (healthy ? output : error).WriteLineAsync(line).ConfigureAwait(false);
            return healthy ? ExitCodes.Success : ExitCodes.Failure;
        });
        return command;
    }

    /// <summary>One GET with a deadline; every way it can fail becomes a reason instead of an exception.</summary>
    internal static async Task<(bool Healthy, string Line)> CheckAsync(Uri url, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // No proxy: a health check asks the address it was given, whatever HTTP_PROXY the container inherited.
        using var handler = new SocketsHttpHandler { UseProxy = false, ConnectTimeout = timeout, AllowAutoRedirect = false };
        using var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        string seconds = timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
        try
        {
            using var response = await client.GetAsync(url, deadline.Token).ConfigureAwait(false);
            string body = OneLine(await response.Content.ReadAsStringAsync(deadline.Token).ConfigureAwait(false));
            string answer = $"{(int)response.StatusCode} {response.ReasonPhrase}".TrimEnd() + (body.Length > 0 ? $": {body}" : "");
            return response.IsSuccessStatusCode
                ? (true, $"healthy: {url} answered {answer}")
                : (false, $"unhealthy: {url} answered {answer}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (false, $"unhealthy: {url} did not answer within {seconds}s");
        }
        catch (HttpRequestException e)
        {
            return (false, $"unhealthy: cannot reach {url}: {OneLine(Innermost(e).Message)}");
        }
    }

    private static Uri ParseUrl(ArgumentResult result)
    {
        string text = result.Tokens[0].Value;
        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
        {
            return uri;
        }

        result.AddError($"--url '{text}' is not an http:// or https:// URL.");
        return null!;
    }

    private static TimeSpan? ParseTimeout(ArgumentResult result)
    {
        string text = result.Tokens[0].Value.Trim();
        var (number, scale) = text switch
        {
            _ when text.EndsWith("ms", StringComparison.OrdinalIgnoreCase) => (text[..^2], 0.001),
            _ when text.EndsWith('s') || text.EndsWith('S') => (text[..^1], 1.0),
            _ when text.EndsWith('m') || text.EndsWith('M') => (text[..^1], 60.0),
            _ => (text, 1.0),
        };
        if (double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
            && double.IsFinite(value) && value > 0 && value * scale <= TimeSpan.FromHours(1).TotalSeconds)
        {
            return TimeSpan.FromSeconds(value * scale);
        }

        result.AddError($"--timeout '{text}' is not a duration between 1ms and 1h, such as 3s, 500ms or 1m.");
        return default;
    }

    // The useful words are usually in the innermost exception: "Connection refused", "Name or service not known".
    private static Exception Innermost(Exception exception)
    {
        while (exception.InnerException is not null)
        {
            exception = exception.InnerException;
        }

        return exception;
    }

    private static string OneLine(string text)
    {
        string line = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return line.Length <= MaxReasonLength ? line : line[..MaxReasonLength] + "…";
    }
}
