namespace ClusterMnist.Server.Prediction;

/// <summary>
/// At most <c>slots</c> pictures are decoded at once; further uploads wait (asynchronously, holding no thread) for a
/// slot. Each decode stays within its memory budget, so the slots bound the decoders' memory and CPU as a whole.
/// </summary>
internal sealed class DecodeSlots(int slots)
{
    private readonly SemaphoreSlim _free = new(slots, slots);
    private int _waiting;

    /// <summary>Slots in use now.</summary>
    public int InUse => slots - _free.CurrentCount;

    /// <summary>Uploads waiting for a slot now.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>Runs <paramref name="decode"/> in a slot once one is free.</summary>
    public async Task<T> RunAsync<T>(Func<T> decode, CancellationToken cancellationToken)
    {
        if (!_free.Wait(0))
        {
            Interlocked.Increment(ref _waiting);
            try
            {
                await _free.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                Interlocked.Decrement(ref _waiting);
            }
        }

        try
        {
            return decode();
        }
        finally
        {
            _free.Release();
        }
    }
}
