// Column sums: db[j] = Σ_r dY[r, j]. dY: rows×width row-major, db: width (overwritten).
// Rows are added in ascending order with vectorised TensorPrimitives.Add, so the result is a
// fixed function of the input (the exact gradient sum depends on that).
using System.Numerics.Tensors;

namespace ClusterMnist.Core.Model;

internal static class ColumnSum
{
    public static void Compute(ReadOnlySpan<float> dy, Span<float> db, int rows, int width)
    {
        db = db[..width];
        if (rows == 0)
        {
            db.Clear();
            return;
        }

        dy[..width].CopyTo(db);
        for (var r = 1; r < rows; r++)
        {
            TensorPrimitives.Add(db, dy.Slice(r * width, width), db);
        }
    }
}
