using System.Buffers;
using ClusterMnist.Server.Snapshots;

namespace ClusterMnist.Server.Prediction;

/// <summary>
/// Runs concurrent single-image predictions together. No timer and no waiting: a request arriving while no pass runs
/// leads at once on its own thread; requests arriving during a pass queue up and go together in the next one. Only
/// requests that read the same snapshot share a pass, so every answer still comes from exactly one model.
/// </summary>
/// <remarks>
/// <para>
/// Pass sizes follow the forward kernels (measured with <c>clustermnist bench predict</c> on 784-256-128-10):
/// 1 row ≈ 11 µs, 4 rows ≈ 14 µs (the few-row kernel), but 5 to 32 rows all cost a padded 32-row panel ≈ 75 µs.
/// So a pass takes at most <see cref="Inference.FewRows"/> images unless at least <see cref="Inference.PanelRows"/>
/// are waiting. Within passes of 1–4 rows an image's probabilities are bit-identical to predicting it alone.
/// </para>
/// <para>
/// A leader answers its own request as soon as its image is done: it hands the rest of the queue to the thread pool
/// and gives up leadership at the same moment, so a request that arrives before that work item runs does not wait
/// for it (the old design kept leadership across the hand-off, so a request arriving at an idle server could wait
/// for the pool to schedule someone else's work item). Two leaders may briefly run passes at once; each pass is
/// independent (per-thread workspaces), and every queued request is taken by exactly one of them.
/// </para>
/// </remarks>
internal sealed class PredictionCoalescer
{
    private readonly Lock _lock = new();
    private readonly Queue<Pending> _queue = new();
    private bool _leading;

    /// <summary>Predicts one image (InputSize floats) into <paramref name="output"/> (OutputSize floats).</summary>
    public Task PredictAsync(ParameterSnapshot snapshot, float[] input, float[] output)
    {
        var pending = new Pending(snapshot, input, output);
        lock (_lock)
        {
            _queue.Enqueue(pending);
            if (_leading)
            {
                return pending.Completion.Task;
            }

            _leading = true;
        }

        Lead(until: pending.Completion.Task);
        return pending.Completion.Task;
    }

    /// <summary>Rows the next pass takes when <paramref name="waiting"/> images are queued.</summary>
    internal static int PassRows(int waiting) =>
        waiting >= Inference.PanelRows ? Math.Min(waiting, Inference.RowsPerPass) : Math.Min(waiting, Inference.FewRows);

    // Runs passes until `until` is done (or, for a hand-off, until the queue is empty) while holding leadership.
    private void Lead(Task? until)
    {
        var batch = new List<Pending>(Inference.RowsPerPass);
        while (true)
        {
            lock (_lock)
            {
                if (_queue.Count == 0)
                {
                    _leading = false;
                    return;
                }

                if (until is { IsCompleted: true })
                {
                    // Our own answer is ready: give up leadership now, so the next arrival leads at once instead of
                    // waiting for this work item to be scheduled, and let a pool thread serve whoever is queued.
                    _leading = false;
                    ThreadPool.UnsafeQueueUserWorkItem(static self => self.TakeOver(), this, preferLocal: false);
                    return;
                }

                var snapshot = _queue.Peek().Snapshot;
                int rows = PassRows(_queue.Count);
                while (batch.Count < rows && _queue.TryPeek(out var next) && ReferenceEquals(next.Snapshot, snapshot))
                {
                    batch.Add(_queue.Dequeue());
                }
            }

            RunPass(batch);
            batch.Clear();
        }
    }

    // A hand-off: lead only if nobody took over meanwhile and something is still queued.
    private void TakeOver()
    {
        lock (_lock)
        {
            if (_leading || _queue.Count == 0)
            {
                return;
            }

            _leading = true;
        }

        Lead(until: null);
    }

    private static void RunPass(List<Pending> batch)
    {
        var snapshot = batch[0].Snapshot;
        int inputSize = snapshot.Spec.InputSize, classes = snapshot.Spec.OutputSize;
        float[] inputs = ArrayPool<float>.Shared.Rent(batch.Count * inputSize);
        float[] outputs = ArrayPool<float>.Shared.Rent(batch.Count * classes);
        try
        {
            for (int i = 0; i < batch.Count; i++)
            {
                batch[i].Input.AsSpan(0, inputSize).CopyTo(inputs.AsSpan(i * inputSize));
            }

            Inference.Predict(snapshot, inputs, batch.Count, outputs);
            for (int i = 0; i < batch.Count; i++)
            {
                outputs.AsSpan(i * classes, classes).CopyTo(batch[i].Output);
                batch[i].Completion.TrySetResult();
            }
        }
        catch (Exception e)
        {
            foreach (var pending in batch)
            {
                pending.Completion.TrySetException(e);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(inputs);
            ArrayPool<float>.Shared.Return(outputs);
        }
    }

    private sealed record Pending(ParameterSnapshot Snapshot, float[] Input, float[] Output)
    {
        // Continuations run on the pool, not inside the leader's pass.
        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
