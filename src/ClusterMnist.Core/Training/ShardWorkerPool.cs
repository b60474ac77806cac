using ClusterMnist.Core.Data;
using ClusterMnist.Core.Diagnostics;
using ClusterMnist.Core.Model;
using ClusterMnist.Core.Randomness;

namespace ClusterMnist.Core.Training;

/// <summary>
/// Threads that compute micro-shard gradients (for the local trainer's coordinating thread, or for a cluster
/// worker): the calling thread is worker 0 and <c>workers − 1</c> dedicated long-running threads are the others, so
/// one worker computes without any thread hand-off and N workers wake N − 1 threads per step. Each thread owns its workspace, input and gradient buffers and int32 partial; shards
/// are taken from a shared counter, so which thread computes which shard (and in what order) varies from step to
/// step — the exact reduction makes that invisible in the result. Nothing is allocated per step.
/// </summary>
public sealed class ShardWorkerPool : IDisposable
{
    private readonly Network _network;
    private readonly ImageSet _train;
    private readonly GradientQuantizer _quantizer;
    private readonly ulong _seed;
    private readonly Worker[] _workers;
    private readonly CountdownEvent _done;
    private readonly double[] _shardLoss;
    private readonly int[] _shardCorrect;

    // The current step, written by the coordinator before it releases the workers.
    private int[] _order = [];
    private int _batchStart;
    private ShardPlan _plan;
    private ReadOnlyMemory<int> _shards;
    private long _step;
    private int[] _exponents = [];
    private float[] _parameters = [];
    private int _nextShard;
    private Exception? _failure;
    private volatile bool _stopping;
    private int[] _allShards = [];

    /// <summary>Starts <paramref name="workers"/> threads computing shards of <paramref name="train"/> with <paramref name="network"/>.</summary>
    public ShardWorkerPool(Network network, ImageSet train, GradientLayout layout, int workers, int microShardSize, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(workers);
        _network = network;
        _train = train;
        _quantizer = new GradientQuantizer(layout);
        _seed = seed;
        _shardLoss = new double[layout.ShardsPerBatch];
        _shardCorrect = new int[layout.ShardsPerBatch];
        _done = new CountdownEvent(workers - 1);
        _workers = new Worker[workers];
        for (int w = 0; w < workers; w++)
        {
            _workers[w] = new Worker(this, network, layout, microShardSize, train.PixelsPerImage, dedicatedThread: w > 0);
            if (_workers[w].Thread is { } thread)
            {
                thread.Name = $"shard-worker-{w}";
                thread.Start();
            }
        }
    }

    /// <summary>Gets worker <paramref name="index"/>'s partial.</summary>
    public GradientPartial PartialOf(int index) => _workers[index].Partial;

    /// <summary>Number of worker threads.</summary>
    public int Count => _workers.Length;

    /// <summary>Per-shard loss sums of the last step (un-divided), indexed by shard.</summary>
    public ReadOnlySpan<double> ShardLoss => _shardLoss;

    /// <summary>Per-shard correct predictions of the last step, indexed by shard.</summary>
    public ReadOnlySpan<int> ShardCorrect => _shardCorrect;

    /// <summary>
    /// Computes and quantizes every shard of the batch order[batchStart .. batchStart+plan.BatchRows) with
    /// <paramref name="exponents"/>, blocking until all workers are done.
    /// </summary>
    public void ComputeStep(int[] order, int batchStart, ShardPlan plan, long step, int[] exponents, float[] parameters)
        => ComputeShards(order, batchStart, plan, AllShards(plan.ShardCount), step, exponents, parameters);

    /// <summary>
    /// Computes and quantizes the shards listed in <paramref name="shards"/> (ids within <paramref name="plan"/>) of
    /// the batch whose row r is sample order[batchStart + r] (rows of other shards are not read), blocking until
    /// all workers are done; the calling thread computes shards too. Each thread's partial (<see cref="PartialOf"/>) holds the shards it took.
    /// </summary>
    public void ComputeShards(int[] order, int batchStart, ShardPlan plan, ReadOnlyMemory<int> shards, long step, int[] exponents, float[] parameters)
    {
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(exponents);
        ArgumentNullException.ThrowIfNull(parameters);
        if (order.Length < batchStart + plan.BatchRows)
            throw new ArgumentException($"The order holds {order.Length} rows; the batch needs {batchStart + plan.BatchRows}.", nameof(order));
        foreach (int shard in shards.Span)
        {
            if ((uint)shard >= (uint)plan.ShardCount || shard >= _shardLoss.Length)
                throw new ArgumentOutOfRangeException(nameof(shards), shard, $"The batch has {plan.ShardCount} shards.");
        }
        _order = order;
        _batchStart = batchStart;
        _plan = plan;
        _shards = shards;
        _step = step;
        _exponents = exponents;
        _parameters = parameters;
        _nextShard = 0;
        _failure = null;
        _done.Reset(_workers.Length - 1);
        for (int w = 1; w < _workers.Length; w++)
            _workers[w].Start.Release();
        ComputeGuarded(_workers[0]);
        _done.Wait();
        if (_failure is not null)
            throw _failure is TrainingDivergedException ? _failure : new InvalidOperationException($"A shard worker failed: {_failure.Message}", _failure);
    }

    private void ComputeTakenShards(Worker worker)
    {
        var partial = worker.Partial;
        partial.Reset();
        int next;
        while ((next = Interlocked.Increment(ref _nextShard) - 1) < _shards.Length)
        {
            int shard = _shards.Span[next];
            int rows = _plan.ShardRows(shard);
            var indices = _order.AsSpan(_batchStart + _plan.ShardStart(shard), rows);
            var inputs = worker.Inputs.AsSpan(0, rows * _train.PixelsPerImage);
            var labels = worker.Labels.AsSpan(0, rows);
            long mark = StepTimings.Start();
            _train.Gather(indices, inputs, labels);
            StepTimings.Lap(StepPhase.Gather, mark);
            // Dropout depends only on (seed, step, shard): the same masks whichever thread runs the shard.
            // Substream 0 is the epoch shuffle's, so shards use 1, 2, ….
            ulong dropoutSeed = Rng.ForStream(_seed, (ulong)_step, (ulong)shard + 1).NextUInt64();
            var result = _network.ComputeGradient(_parameters, inputs, labels, rows, _plan.BatchRows, dropoutSeed, worker.Gradient, worker.Workspace);
            _shardLoss[shard] = result.LossSum;
            _shardCorrect[shard] = result.Correct;
            mark = StepTimings.Start();
            _quantizer.Accumulate(worker.Gradient, _exponents, partial);
            StepTimings.Lap(StepPhase.Quantization, mark);
        }
    }

    private int[] AllShards(int count)
    {
        if (_allShards.Length != count)
            _allShards = Enumerable.Range(0, count).ToArray();
        return _allShards;
    }

    /// <summary>Stops and joins the threads.</summary>
    public void Dispose()
    {
        _stopping = true;
        foreach (var worker in _workers)
            worker.Start.Release();
        foreach (var worker in _workers)
        {
            worker.Thread?.Join();
            worker.Start.Dispose();
        }
        _done.Dispose();
    }

    private sealed class Worker
    {
        public Worker(ShardWorkerPool pool, Network network, GradientLayout layout, int microShardSize, int pixelsPerImage, bool dedicatedThread)
        {
            Workspace = network.CreateWorkspace(microShardSize);
            Inputs = new float[microShardSize * pixelsPerImage];
            Labels = new byte[microShardSize];
            Gradient = new float[network.ParameterCount];
            Partial = new GradientPartial(layout);
            Thread = dedicatedThread ? new Thread(() => pool.Loop(this)) { IsBackground = true } : null;
        }

        public NetworkWorkspace Workspace { get; }
        public float[] Inputs { get; }
        public byte[] Labels { get; }
        public float[] Gradient { get; }
        public GradientPartial Partial { get; }
        public SemaphoreSlim Start { get; } = new(0);
        public Thread? Thread { get; }
    }

    private void Loop(Worker worker)
    {
        while (true)
        {
            worker.Start.Wait();
            if (_stopping)
                return;
            ComputeGuarded(worker);
            _done.Signal();
        }
    }

    private void ComputeGuarded(Worker worker)
    {
        try
        {
            ComputeTakenShards(worker);
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _failure, e, null);
            // Stop the others from taking more shards of a failed step.
            Interlocked.Exchange(ref _nextShard, int.MaxValue / 2);
        }
    }
}
