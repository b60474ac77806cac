using System.Buffers;
using ClusterMnist.Server.Snapshots;

namespace ClusterMnist.Server.Prediction;

/// <summary>
/// Runs concurrent single-image predictions together. The forward kernel computes a panel of rows at a time, so one
/// image costs about as much as 32 (measured: 6.8k images/s alone vs 200k+ in batches of 32 on 784-256-128-10).
/// No timer and no waiting: a request arriving while no pass runs leads at once; requests arriving during a pass
/// queue up and go together in the next one. Only requests that read the same snapshot share a pass, so every
/// answer still comes from exactly one model; a row's result does not depend on the other rows of its pass.
/// </summary>
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

    // Runs passes until `until` is done (or forever, when null) and the queue is empty. A request's thread hands the
    // remaining work to the thread pool once its own image is done, so its response is not held up by others.
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
                    ThreadPool.UnsafeQueueUserWorkItem(static self => self.Lead(until: null), this, preferLocal: false);
                    return;
                }

                var snapshot = _queue.Peek().Snapshot;
                while (batch.Count < Inference.RowsPerPass && _queue.TryPeek(out var next) && ReferenceEquals(next.Snapshot, snapshot))
                {
                    batch.Add(_queue.Dequeue());
                }
            }

            RunPass(batch);
            batch.Clear();
        }
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
