using ClusterMnist.Core.Data;
using ClusterMnist.Core.Diagnostics;
using ClusterMnist.Core.Model;
using ClusterMnist.Core.Randomness;

namespace ClusterMnist.Core.Training;

/// <summary>
/// Threads that compute micro-shard gradients (for the local trainer's coordinating thread, or for a cluster
/// worker): the calling thread is worker 0 and <c>workers − 1</c> dedicated long-running threads are the others, so
/// one worker computes without any thread hand-off and N workers wake N − 1 threads per step. Each thread owns its
/// workspace, input buffers and int32 partial. Shards are taken from a shared counter in groups of up to
/// <see cref="MaxGroupRows"/> rows, and a group goes through the network as one block of rows (each row computed
/// as in a pass over its shard alone; see <see cref="QuantizingGradientSink"/>), so the weights are read once per
/// group instead of once per shard and each weight gradient is quantized straight into the int32 sums. Which thread
/// computes which shard varies from step to step; the exact reduction makes that invisible in the result. Nothing
/// is allocated per step.
/// </summary>
public sealed class ShardWorkerPool : IDisposable
{
    /// <summary>
    /// Most rows a thread computes as one block: enough shards for the weights to be read once per group, few enough
    /// that the group's inputs and activations stay in the core's L2.
    /// </summary>
    public const int MaxGroupRows = 256;

    private readonly Network _network;
    private readonly ImageSet _train;
    private readonly float _limit;
    private readonly int _groupShards;
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
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(microShardSize);
        CheckLayout(network, layout);
        _network = network;
        _train = train;
        _limit = layout.Limit;
        _groupShards = Math.Max(1, MaxGroupRows / microShardSize);
        _seed = seed;
        _shardLoss = new double[layout.ShardsPerBatch];
        _shardCorrect = new int[layout.ShardsPerBatch];
        _done = new CountdownEvent(workers - 1);
        _workers = new Worker[workers];
        for (int w = 0; w < workers; w++)
        {
            _workers[w] = new Worker(this, network, layout, _groupShards, microShardSize, train.PixelsPerImage, dedicatedThread: w > 0);
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
        // Groups small enough that every thread gets one when all start at once; a thread that comes late finds fewer.
        int group = Math.Clamp((_shards.Length + _workers.Length - 1) / _workers.Length, 1, _groupShards);
        int first;
        while ((first = Interlocked.Add(ref _nextShard, group) - group) < _shards.Length)
        {
            var shards = _shards.Span.Slice(first, Math.Min(group, _shards.Length - first));
            int rows = 0;
            long mark = StepTimings.Start();
            for (int i = 0; i < shards.Length; i++)
            {
                int shard = shards[i];
                int shardRows = _plan.ShardRows(shard);
                var indices = _order.AsSpan(_batchStart + _plan.ShardStart(shard), shardRows);
                _train.Gather(indices, worker.Inputs.AsSpan(rows * _train.PixelsPerImage, shardRows * _train.PixelsPerImage),
                    worker.Labels.AsSpan(rows, shardRows));
                worker.ShardRows[i] = shardRows;
                // Dropout depends only on (seed, step, shard): the same masks whichever thread runs the shard.
                // Substream 0 is the epoch shuffle's, so shards use 1, 2, ….
                worker.DropoutSeeds[i] = Rng.ForStream(_seed, (ulong)_step, (ulong)shard + 1).NextUInt64();
                rows += shardRows;
            }

            StepTimings.Lap(StepPhase.Gather, mark);
            var shardRowCounts = worker.ShardRows.AsSpan(0, shards.Length);
            var sink = new QuantizingGradientSink(_network, shardRowCounts, _exponents, partial, _limit, worker.BiasScratch);
            _network.TrainingPass(_parameters, worker.Inputs.AsSpan(0, rows * _train.PixelsPerImage), worker.Labels.AsSpan(0, rows),
                shardRowCounts, worker.DropoutSeeds.AsSpan(0, shards.Length), _plan.BatchRows, worker.Workspace, worker.Results, ref sink);
            sink.Complete();
            for (int i = 0; i < shards.Length; i++)
            {
                _shardLoss[shards[i]] = worker.Results[i].LossSum;
                _shardCorrect[shards[i]] = worker.Results[i].Correct;
            }
        }
    }

    // The sink finds each layer's weight and bias segment at 2l and 2l + 1 of the layout.
    private static void CheckLayout(Network network, GradientLayout layout)
    {
        bool matches = layout.SegmentCount == network.Segments.Count;
        for (int t = 0; matches && t < layout.SegmentCount; t++)
            matches = layout.Offset(t) == network.Segments[t].Offset && layout.Length(t) == network.Segments[t].Length;
        if (!matches)
            throw new ArgumentException("The gradient layout does not have the network's parameter segments.", nameof(layout));
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
        public Worker(ShardWorkerPool pool, Network network, GradientLayout layout, int groupShards, int microShardSize, int pixelsPerImage, bool dedicatedThread)
        {
            int rows = groupShards * microShardSize;
            Workspace = network.CreateWorkspace(rows);
            Inputs = new float[rows * pixelsPerImage];
            Labels = new byte[rows];
            ShardRows = new int[groupShards];
            DropoutSeeds = new ulong[groupShards];
            Results = new GradientResult[groupShards];
            BiasScratch = new float[network.Spec.LayerSizes.Skip(1).Max()];
            Partial = new GradientPartial(layout);
            Thread = dedicatedThread ? new Thread(() => pool.Loop(this)) { IsBackground = true } : null;
        }

        public NetworkWorkspace Workspace { get; }
        public float[] Inputs { get; }
        public byte[] Labels { get; }
        public int[] ShardRows { get; }
        public ulong[] DropoutSeeds { get; }
        public GradientResult[] Results { get; }
        public float[] BiasScratch { get; }
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
