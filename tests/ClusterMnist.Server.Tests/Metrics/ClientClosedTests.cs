using System.Diagnostics.Metrics;
using ClusterMnist.Server.Metrics;
using ClusterMnist.Server.Prediction;
using ClusterMnist.Server.Snapshots;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;

namespace ClusterMnist.Server.Tests.Metrics;

/// <summary>
/// A client that goes away while sending its body is counted as client_closed (status 499), not bad_request, and gets
/// no answer; a body Kestrel cannot frame, or one that ends early, is a 400, told apart by the exception's type and not
/// by whether Kestrel has signalled the abort yet (it does so from a thread-pool callback); and an answer the client is
/// no longer there to take counts as client_closed too. Driven through the endpoint directly, with the body's failure
/// chosen, because over a socket the moment a reset reaches the server, and which exception it surfaces as, is not
/// the test's to pick.
/// </summary>
public sealed class ClientClosedTests
{
    [Fact]
    public async Task AResetWhileTheBodyArrives_IsClientClosed_AndNotAnswered()
    {
        var (outcome, status, written) = await PredictWithBodyFailing(new ConnectionResetException("Connection reset by peer"), aborted: false);

        Assert.Equal(("client_closed", StatusCodes.Status499ClientClosedRequest, 0L), (outcome, status, written));
    }

    [Fact]
    public async Task AConnectionAbortedWhileTheBodyArrives_IsClientClosed()
    {
        var (outcome, status, written) = await PredictWithBodyFailing(new ConnectionAbortedException("aborted"), aborted: false);

        Assert.Equal(("client_closed", StatusCodes.Status499ClientClosedRequest, 0L), (outcome, status, written));
    }

    [Fact]
    public async Task AReadCancelledByTheAbort_IsClientClosed()
    {
        var (outcome, status, written) = await PredictWithBodyFailing(new OperationCanceledException(), aborted: true);

        Assert.Equal(("client_closed", StatusCodes.Status499ClientClosedRequest, 0L), (outcome, status, written));
    }

    [Fact]
    public async Task ABodyEndingEarly_IsABadRequest()
    {
        // Kestrel's "unexpected end of request content": the client's truncated body, answered while it is still there.
        var (outcome, status, written) = await PredictWithBodyFailing(
            new BadHttpRequestException("Unexpected end of request content.", StatusCodes.Status400BadRequest), aborted: false);

        Assert.Equal(("bad_request", StatusCodes.Status400BadRequest), (outcome, status));
        Assert.True(written > 0);
    }

    [Fact]
    public async Task AnUnframeableBody_IsABadRequest()
    {
        var (outcome, status, written) = await PredictWithBodyFailing(new IOException("chunk size overflow"), aborted: false);

        Assert.Equal(("bad_request", StatusCodes.Status400BadRequest), (outcome, status));
        Assert.True(written > 0);
    }

    [Fact]
    public async Task ARefusalThatCannotReachTheClient_IsCountedAsClientClosed()
    {
        // The body is refused as malformed, but the request is aborted by then: writing the 400 is cancelled.
        var (outcome, _, written) = await PredictWithBodyFailing(new IOException("chunk size overflow"), aborted: true);

        Assert.Equal(("client_closed", 0L), (outcome, written));
    }

    private static async Task<(string Outcome, int Status, long Written)> PredictWithBodyFailing(Exception failure, bool aborted)
    {
        using var meter = new Meter($"test-{Guid.NewGuid():N}");
        var metrics = new PredictionMetrics(meter);
        var endpoint = new PredictEndpoint(new ServerOptions(), new ModelSnapshotHolder(TestModels.Snapshot(seed: 1, version: 1)), metrics);
        using var abort = new CancellationTokenSource();
        var response = new MemoryStream();
        var context = new DefaultHttpContext { RequestAborted = abort.Token };
        context.Request.Method = "POST";
        context.Request.ContentType = "application/json";
        // With `aborted`, the request's abort becomes visible as the read fails, as when Kestrel's callback runs first.
        context.Request.Body = new FailingStream(failure, aborted ? abort : null);
        context.Response.Body = response;

        await endpoint.HandleAsync(context);

        return (Assert.Single(Counts(meter)).Key, context.Response.StatusCode, response.Length);
    }

    // The request counts by outcome label, as an exporter would observe them; only outcomes counted at least once.
    private static Dictionary<string, long> Counts(Meter meter)
    {
        var counts = new Dictionary<string, long>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter == meter && instrument.Name == "clustermnist.predictions")
                    l.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            if (value > 0)
                counts[(string)tags[0].Value!] = value;
        });
        listener.Start();
        listener.RecordObservableInstruments();
        return counts;
    }

    private sealed class FailingStream(Exception failure, CancellationTokenSource? abortFirst) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => throw Fail();

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromException<int>(Fail());

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromException<int>(Fail());

        private Exception Fail()
        {
            abortFirst?.Cancel();
            return failure;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
