using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ClusterMnist.Cli.Tests;

/// <summary>`health` against a raw loopback HTTP server: healthy, unhealthy, unreachable, silent, and bad flags.</summary>
public sealed class HealthCommandTests
{
    [Fact]
    public async Task Health_Exits0_When200()
    {
        await using var server = OneShotHttpServer.Start("200 OK", "alive");

        var run = await CliRunner.RunAsync("health", "--url", server.Url("/healthz"));

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("healthy", run.Output, StringComparison.Ordinal);
        Assert.Contains("200", run.Output, StringComparison.Ordinal);
        Assert.Empty(run.Error);
    }

    [Fact]
    public async Task Health_Exits1WithReason_When503()
    {
        await using var server = OneShotHttpServer.Start("503 Service Unavailable", "no model is being served yet");

        var run = await CliRunner.RunAsync("health", "--url", server.Url("/readyz"));

        AssertUnhealthy(run, "503");
        Assert.Contains("no model is being served yet", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_Exits1_WhenConnectionIsRefused()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var run = await CliRunner.RunAsync("health", "--url", $"http://127.0.0.1:{port}/healthz", "--timeout", "5s");

        AssertUnhealthy(run, "cannot reach");
    }

    [Fact]
    public async Task Health_Exits1_WhenTheServerDoesNotAnswerInTime()
    {
        await using var server = OneShotHttpServer.Start(status: null, body: string.Empty);

        var run = await CliRunner.RunAsync("health", "--url", server.Url("/healthz"), "--timeout", "300ms");

        AssertUnhealthy(run, "did not answer within 0.3s");
    }

    [Theory]
    [InlineData("0s")]
    [InlineData("soon")]
    [InlineData("-1")]
    [InlineData("2h")]
    public async Task Health_Exits2_WhenTimeoutIsBad(string timeout)
    {
        var run = await CliRunner.RunAsync("health", "--timeout", timeout);

        run.AssertCleanFailure(2, "--timeout");
    }

    [Fact]
    public async Task Health_Help_GivesTheDefaultTimeoutAsItIsTyped()
    {
        var run = await CliRunner.RunAsync("health", "--help");

        Assert.Contains("Default 3s.", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("00:00:03", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_Exits2_WhenUrlIsNotHttp()
    {
        var run = await CliRunner.RunAsync("health", "--url", "ftp://127.0.0.1/healthz");

        run.AssertCleanFailure(2, "--url");
    }

    private static void AssertUnhealthy(CliRun run, string fragment)
    {
        Assert.Equal(1, run.ExitCode);
        Assert.Empty(run.Output);
        string line = Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("unhealthy: ", line, StringComparison.Ordinal);
        Assert.Contains(fragment, line, StringComparison.Ordinal);
    }

    /// <summary>Accepts one connection on 127.0.0.1 and answers it with a fixed status, or never (status null).</summary>
    private sealed class OneShotHttpServer : IAsyncDisposable
    {
        private readonly TcpListener _listener;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _serving;

        private OneShotHttpServer(string? status, string body)
        {
            _listener = new TcpListener(IPAddress.Loopback, 0);
            _listener.Start();
            _serving = ServeAsync(status, body);
        }

        public static OneShotHttpServer Start(string? status, string body) => new(status, body);

        public string Url(string path) => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}{path}";

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            try
            {
                await _serving;
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException or IOException)
            {
            }

            _stop.Dispose();
        }

        private async Task ServeAsync(string? status, string body)
        {
            using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            var stream = client.GetStream();
            var buffer = new byte[4096];
            var request = new StringBuilder();
            while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                int read = await stream.ReadAsync(buffer, _stop.Token);
                if (read == 0)
                {
                    return;
                }

                request.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }

            if (status is null)
            {
                // Never answer: the client's deadline has to end it.
                await Task.Delay(Timeout.Infinite, _stop.Token);
                return;
            }

            byte[] content = Encoding.UTF8.GetBytes(body + "\n");
            string head = $"HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {content.Length}\r\nConnection: close\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head), _stop.Token);
            await stream.WriteAsync(content, _stop.Token);
        }
    }
}
