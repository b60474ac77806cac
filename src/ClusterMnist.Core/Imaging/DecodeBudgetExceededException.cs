namespace ClusterMnist.Core.Imaging;

/// <summary>Thrown inside ImageSharp by <see cref="DecodeBudgetAllocator"/>; turned into <see cref="ImageTooLargeException"/>.</summary>
internal sealed class DecodeBudgetExceededException(long budgetBytes)
    : InvalidOperationException($"decoding needs more than {budgetBytes / (1 << 20):N0} MiB")
{
    public long BudgetBytes { get; } = budgetBytes;
}
