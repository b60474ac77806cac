using Microsoft.Extensions.Logging;

namespace ClusterMnist.Actors;

/// <summary>Settings of an <see cref="ActorSystem"/>.</summary>
/// <param name="TimeProvider">Clock for the scheduler, ask deadlines, restart windows and heartbeats; tests pass a manual one.</param>
/// <param name="LoggerFactory">Where failures, dead letters and remoting events are logged.</param>
/// <param name="DefaultMailboxCapacity">Bounded mailbox size when <see cref="Props.MailboxCapacity"/> is not set.</param>
/// <param name="GuardianStrategy">Supervision of top-level actors ("/user/*").</param>
public sealed record ActorSystemOptions(
    TimeProvider? TimeProvider = null,
    ILoggerFactory? LoggerFactory = null,
    int DefaultMailboxCapacity = 1000,
    SupervisorStrategy? GuardianStrategy = null);
