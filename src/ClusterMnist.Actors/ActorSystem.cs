using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ClusterMnist.Actors;

/// <summary>
/// Hosts actors: spawns top-level actors under "/user", keeps the path registry that remoting resolves targets
/// against, and owns the scheduler and clock.
/// </summary>
public sealed class ActorSystem : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, IInternalActorRef> _registry = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ActorCell> _topLevel = new(StringComparer.Ordinal);
    private readonly ILogger _deadLetters;
    private long _nextId;

    /// <summary>Creates a system named <paramref name="name"/> (used in logs and remoting handshakes).</summary>
    public ActorSystem(string name, ActorSystemOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        options ??= new ActorSystemOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.DefaultMailboxCapacity, 1);
        Name = name;
        TimeProvider = options.TimeProvider ?? TimeProvider.System;
        LoggerFactory = options.LoggerFactory ?? NullLoggerFactory.Instance;
        DefaultMailboxCapacity = options.DefaultMailboxCapacity;
        GuardianStrategy = options.GuardianStrategy ?? SupervisorStrategy.Default;
        Scheduler = new Scheduler(this);
        _deadLetters = LoggerFactory.CreateLogger("ClusterMnist.Actors.DeadLetters");
    }

    public string Name { get; }

    public TimeProvider TimeProvider { get; }

    public ILoggerFactory LoggerFactory { get; }

    /// <summary>Periodic and one-shot ticks on <see cref="TimeProvider"/>.</summary>
    public Scheduler Scheduler { get; }

    internal int DefaultMailboxCapacity { get; }

    internal SupervisorStrategy GuardianStrategy { get; }

    /// <summary>Starts a top-level actor at "/user/<paramref name="name"/>".</summary>
    public IActorRef Spawn(Props props, string name)
    {
        var cell = new ActorCell(this, props, parent: null, "/user", name, GuardianStrategy);
        if (!_topLevel.TryAdd(name, cell))
        {
            throw new InvalidOperationException($"An actor named '{name}' already exists at /user/{name}.");
        }

        cell.Start();
        return cell;
    }

    /// <summary>Stops a local actor after its current message; the task completes once it and its children have stopped.</summary>
    public Task Stop(IActorRef actor) => actor switch
    {
        ActorCell cell => cell.RequestStop(),
        _ => throw new ArgumentException($"{actor.Path} is not a local actor of system {Name}.", nameof(actor)),
    };

    /// <summary>The live local actor (or test probe) at <paramref name="path"/>, or <c>null</c>.</summary>
    public IActorRef? Find(string path) => _registry.TryGetValue(path, out var actor) ? actor : null;

    /// <summary>Stops every top-level actor (and so all actors).</summary>
    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_topLevel.Values.Select(cell => cell.RequestStop())).ConfigureAwait(false);
    }

    internal IInternalActorRef? FindInternal(string path) => _registry.TryGetValue(path, out var actor) ? actor : null;

    internal long NextId() => Interlocked.Increment(ref _nextId);

    internal void Register(IInternalActorRef actor)
    {
        if (!_registry.TryAdd(actor.Path, actor))
        {
            throw new InvalidOperationException($"The path {actor.Path} is already in use in system {Name}.");
        }
    }

    internal void Unregister(IInternalActorRef actor) =>
        _registry.TryRemove(new KeyValuePair<string, IInternalActorRef>(actor.Path, actor));

    internal void RemoveTopLevel(ActorCell cell) =>
        _topLevel.TryRemove(new KeyValuePair<string, ActorCell>(cell.Name, cell));

    internal void DeadLetter(string description, string target) =>
        _deadLetters.LogDebug("Dead letter: {Description} to {Target}", description, target);

    internal void DeadLetter(object message, IActorRef? sender, string target) =>
        _deadLetters.LogDebug("Dead letter: {MessageType} from {Sender} to {Target}", message.GetType().Name, sender?.ToString() ?? "nobody", target);
}
