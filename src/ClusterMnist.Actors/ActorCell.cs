using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace ClusterMnist.Actors;

/// <summary>
/// A local actor: its bounded mailbox, the single loop that feeds messages to the current instance, and the
/// runtime bookkeeping (children, watchers) that other threads touch only through thread-safe members.
/// </summary>
internal sealed partial class ActorCell : IInternalActorRef
{
    private readonly ActorSystem _system;
    private readonly Props _props;
    private readonly ActorCell? _parent;
    private readonly SupervisorStrategy _supervisor;
    private readonly Channel<MailboxItem> _mailbox;
    private readonly int _capacity;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentDictionary<string, ActorCell> _children = new(StringComparer.Ordinal);
    private readonly ILogger _logger;
    private volatile bool _mailboxClosed;
    private Actor? _actor;
    private IActorRef? _currentSender;

    public ActorCell(ActorSystem system, Props props, ActorCell? parent, string parentPath, string name, SupervisorStrategy supervisor)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{name}' is not a valid actor name (non-empty, no '/').", nameof(name));
        }

        _system = system;
        _props = props;
        _parent = parent;
        _supervisor = supervisor;
        Name = name;
        Path = parentPath + "/" + name;
        _capacity = props.MailboxCapacity ?? system.DefaultMailboxCapacity;
        _mailbox = Channel.CreateBounded<MailboxItem>(new BoundedChannelOptions(_capacity)
        {
            SingleReader = true,
            SingleWriter = false,
            AllowSynchronousContinuations = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _logger = system.LoggerFactory.CreateLogger("ClusterMnist.Actors.Actor");
    }

    public string Name { get; }

    public string Path { get; }

    public ActorSystem System => _system;

    public void Tell(object message, IActorRef? sender = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (_mailbox.Writer.TryWrite(new MailboxItem(message, sender)))
        {
            return;
        }

        if (_mailboxClosed)
        {
            _system.DeadLetter(message, sender, Path);
            return;
        }

        throw new MailboxFullException($"The mailbox of {Path} is full ({_capacity} messages); {message.GetType().Name} was not delivered.");
    }

    public async ValueTask TellAsync(object message, IActorRef? sender = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        try
        {
            await _mailbox.Writer.WriteAsync(new MailboxItem(message, sender), cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            _system.DeadLetter(message, sender, Path);
        }
    }

    public override string ToString() => Path;

    /// <summary>Registers the cell and starts its loop on the thread pool.</summary>
    public void Start()
    {
        _system.Register(this);
        _ = Task.Run(RunAsync);
    }

    private async Task RunAsync()
    {
        var reason = "stopped";
        try
        {
            if (await StartInstanceAsync().ConfigureAwait(false))
            {
                reason = await ProcessMailboxAsync().ConfigureAwait(false);
            }
            else
            {
                reason = "failed to start";
            }
        }
        finally
        {
            await TerminateAsync(reason).ConfigureAwait(false);
        }
    }

    /// <summary>The one loop of this actor: one message at a time, failures go to the supervisor.</summary>
    private async Task<string> ProcessMailboxAsync()
    {
        try
        {
            await foreach (var item in _mailbox.Reader.ReadAllAsync(_stopping.Token).ConfigureAwait(false))
            {
                if (item.Message is Terminated terminated)
                {
                    _watching.Remove(terminated.Actor);
                }

                _currentSender = item.Sender;
                try
                {
                    await _actor!.ReceiveAsync(item.Message).ConfigureAwait(false);
                }
                catch (Exception exception)
                {
                    if (!await HandleFailureAsync(item.Message, exception).ConfigureAwait(false))
                    {
                        return "stopped by supervisor after " + exception.GetType().Name;
                    }
                }
                finally
                {
                    _currentSender = null;
                }
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Stop was requested: the loop ends after the message in progress, as promised by Stop.
        }

        return "stopped";
    }
}
