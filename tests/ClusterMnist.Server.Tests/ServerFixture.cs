using ClusterMnist.Server.Snapshots;
using ClusterMnist.Server.Status;

namespace ClusterMnist.Server.Tests;

/// <summary>A real Kestrel on 127.0.0.1 with a random model, shared by the API tests of one class.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    private ServerHost? _host;

    public ModelSnapshotHolder Models { get; } = new(TestModels.Snapshot(seed: 1, version: 1));

    public InMemoryClusterStatus Status { get; } = new();

    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _host = await ServerHost.StartAsync("http://127.0.0.1:0", Models, Status);
        Client = new HttpClient { BaseAddress = _host.Address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}
