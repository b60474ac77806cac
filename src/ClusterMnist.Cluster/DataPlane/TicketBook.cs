using System.Security.Cryptography;

namespace ClusterMnist.Cluster.DataPlane;

/// <summary>
/// The tickets the coordinator has issued, one per worker id: 16 random bytes that the worker learns over the
/// control plane and presents in its hello. A ticket opens one connection; a new one replaces the old.
/// </summary>
internal sealed class TicketBook
{
    private readonly Dictionary<string, byte[]> _tickets = new(StringComparer.Ordinal);

    /// <summary>A fresh ticket for <paramref name="workerId"/>, replacing any it had.</summary>
    public byte[] Issue(string workerId)
    {
        DataPlaneHello.CheckWorkerId(workerId);
        byte[] ticket = RandomNumberGenerator.GetBytes(DataPlaneHello.TicketBytes);
        lock (_tickets)
        {
            _tickets[workerId] = ticket;
        }

        return (byte[])ticket.Clone();
    }

    /// <summary>Forgets the ticket of <paramref name="workerId"/>, if any.</summary>
    public void Revoke(string workerId)
    {
        lock (_tickets)
        {
            _tickets.Remove(workerId);
        }
    }

    /// <summary>
    /// Uses up the ticket of <paramref name="workerId"/> if <paramref name="ticket"/> is it (compared in constant time),
    /// or says why not. A wrong ticket leaves the right one in place, so a stranger cannot lock a worker out.
    /// </summary>
    public bool TryRedeem(string workerId, ReadOnlySpan<byte> ticket, out string? refusal)
    {
        lock (_tickets)
        {
            if (!_tickets.TryGetValue(workerId, out byte[]? issued))
            {
                refusal = $"no ticket issued to worker '{workerId}' (never authorized, revoked, or already used)";
                return false;
            }

            if (!CryptographicOperations.FixedTimeEquals(issued, ticket))
            {
                refusal = $"wrong ticket for worker '{workerId}'";
                return false;
            }

            _tickets.Remove(workerId);
            refusal = null;
            return true;
        }
    }
}
