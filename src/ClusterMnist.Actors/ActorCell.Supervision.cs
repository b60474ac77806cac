using Microsoft.Extensions.Logging;

namespace ClusterMnist.Actors;

internal sealed partial class ActorCell
{
    private readonly Queue<long> _restarts = new();

    /// <summary>Creates a fresh instance from the props and runs its PreStart; false when either throws.</summary>
    private async Task<bool> StartInstanceAsync()
    {
        try
        {
            _actor = _props.Factory();
            _actor.Attach(this);
            await _actor.PreStartAsync().ConfigureAwait(false);
            return true;
        }
        catch (Exception exception)
        {
            _logger.LogError(exception, "Actor {Path} failed to start ({ExceptionType}); stopping it", Path, exception.GetType().Name);
            _actor = null;
            return false;
        }
    }

    /// <summary>Applies the parent's strategy to a failure; returns true when the actor carries on (restarted).</summary>
    private async Task<bool> HandleFailureAsync(object message, Exception exception)
    {
        var directive = _supervisor.Decide(exception);
        var detail = directive.ToString();
        if (directive == SupervisionDirective.Restart && !TryCountRestart())
        {
            directive = SupervisionDirective.Stop;
            detail = $"Stop (more than {_supervisor.MaxRestarts} restarts within {_supervisor.Window})";
        }

        _logger.LogError(
            exception,
            "Actor {Path} failed processing {MessageType}: {ExceptionType}: {ExceptionMessage}; supervisor decided {Directive}",
            Path,
            message.GetType().FullName,
            exception.GetType().Name,
            exception.Message,
            detail);

        if (directive == SupervisionDirective.Stop)
        {
            return false;
        }

        // Children belong to the failed instance; the new one starts from a clean slate, keeping the mailbox.
        await StopChildrenAsync().ConfigureAwait(false);
        await RunPostStopAsync().ConfigureAwait(false);
        return await StartInstanceAsync().ConfigureAwait(false);
    }

    private bool TryCountRestart()
    {
        var now = _system.TimeProvider.GetTimestamp();
        while (_restarts.Count > 0 && _system.TimeProvider.GetElapsedTime(_restarts.Peek(), now) > _supervisor.Window)
        {
            _restarts.Dequeue();
        }

        if (_restarts.Count >= _supervisor.MaxRestarts)
        {
            return false;
        }

        _restarts.Enqueue(now);
        return true;
    }

    private async Task RunPostStopAsync()
    {
        if (_actor is null)
        {
            return;
        }

        try
        {
            await _actor.PostStopAsync().ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            _logger.LogError(exception, "Actor {Path} failed in PostStop ({ExceptionType})", Path, exception.GetType().Name);
        }
    }
}
