using System.Threading.Channels;
using ClusterMnist.Cluster.DataPlane;

namespace ClusterMnist.Cluster.Tests.DataPlane;

/// <summary>The frames one connection receives, queued for a test to take; and every header its gate was asked about.</summary>
internal sealed class FrameInbox
{
    private readonly Channel<DataFrame> _frames = Channel.CreateUnbounded<DataFrame>();
    private readonly List<DataFrameHeader> _gated = [];

    private FrameInbox()
    {
    }

    /// <summary>Every header the gate has seen, in order.</summary>
    public IReadOnlyList<DataFrameHeader> Gated
    {
        get
        {
            lock (_gated)
            {
                return [.. _gated];
            }
        }
    }

    /// <summary>Starts <paramref name="connection"/>'s receive loop with <paramref name="gate"/> (default: accept all).</summary>
    public static FrameInbox Start(DataPlaneConnection connection, FrameGate? gate = null)
    {
        var inbox = new FrameInbox();
        connection.StartReceiving(
            header =>
            {
                lock (inbox._gated)
                {
                    inbox._gated.Add(header);
                }

                return gate?.Invoke(header) ?? FrameVerdict.Accept;
            },
            frame => inbox._frames.Writer.TryWrite(frame));
        return inbox;
    }

    public async Task<DataFrame> NextAsync()
    {
        using var guard = new CancellationTokenSource(DataPlaneHarness.HangGuard);
        return await _frames.Reader.ReadAsync(guard.Token);
    }

    /// <summary>True if a frame is waiting now (no waiting for one to arrive).</summary>
    public bool HasFrame => _frames.Reader.TryPeek(out _);
}
