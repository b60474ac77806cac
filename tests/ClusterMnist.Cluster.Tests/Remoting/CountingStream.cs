namespace ClusterMnist.Cluster.Tests.Remoting;

/// <summary>Counts the bytes a server connection reads and writes, to measure what really crosses the socket.</summary>
internal sealed class CountingStream(Stream reads, Stream writes, ByteCounter counter) : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Flush() => writes.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => writes.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => counter.Received(reads.Read(buffer, offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        counter.Received(await reads.ReadAsync(buffer, cancellationToken));

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        counter.Sent(buffer.Length);
        await writes.WriteAsync(buffer, cancellationToken);
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        counter.Sent(count);
        writes.Write(buffer, offset, count);
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}

/// <summary>Thread-safe byte totals.</summary>
internal sealed class ByteCounter
{
    private long _received;
    private long _sent;

    public long Total => Interlocked.Read(ref _received) + Interlocked.Read(ref _sent);

    public int Received(int count)
    {
        Interlocked.Add(ref _received, count);
        return count;
    }

    public void Sent(int count) => Interlocked.Add(ref _sent, count);
}
