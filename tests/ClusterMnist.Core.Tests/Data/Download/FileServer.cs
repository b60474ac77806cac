using System.Net;
using System.Net.Sockets;

namespace ClusterMnist.Core.Tests.Data.Download;

/// <summary>
/// A small HTTP server on 127.0.0.1 that serves the files of one folder under several behaviours, chosen by the first
/// path segment: /good/NAME serves the file, /corrupt/NAME flips one byte in it, /missing/NAME answers 404,
/// /stall/NAME never answers until the server stops, /short/NAME announces the full length but sends half.
/// </summary>
public sealed class FileServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly string _folder;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly List<string> _requests = [];

    public FileServer(string folder)
    {
        _folder = folder;
        int port = FreePort();
        BaseAddress = new Uri($"http://127.0.0.1:{port}/");
        _listener.Prefixes.Add(BaseAddress.AbsoluteUri);
        _listener.Start();
        _loop = Task.Run(AcceptLoopAsync);
    }

    public Uri BaseAddress { get; }

    public Uri Mirror(string behaviour) => new(BaseAddress, behaviour + "/");

    public IReadOnlyList<string> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
        _stop.Dispose();
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        string[] segments = context.Request.Url!.AbsolutePath.Trim('/').Split('/');
        lock (_requests)
        {
            _requests.Add(context.Request.Url.AbsolutePath);
        }

        try
        {
            string path = Path.Combine(_folder, segments[^1]);
            if (segments.Length != 2 || segments[0] == "missing" || !File.Exists(path))
            {
                context.Response.StatusCode = 404;
                context.Response.Close();
                return;
            }

            if (segments[0] == "stall")
            {
                // A stall by construction: no byte until the server stops, however long a client is willing to wait.
                await Task.Delay(Timeout.InfiniteTimeSpan, _stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
                context.Response.Abort();
                return;
            }

            byte[] bytes = await File.ReadAllBytesAsync(path);
            if (segments[0] == "corrupt")
            {
                bytes[bytes.Length / 2] ^= 0xff;
            }

            context.Response.ContentLength64 = bytes.Length;
            int length = segments[0] == "short" ? bytes.Length / 2 : bytes.Length;
            await context.Response.OutputStream.WriteAsync(bytes.AsMemory(0, length));
            if (segments[0] == "short")
            {
                context.Response.Abort();
                return;
            }

            context.Response.Close();
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or IOException or InvalidOperationException)
        {
            // The client went away or the server is stopping: nothing to answer.
        }
    }
}
