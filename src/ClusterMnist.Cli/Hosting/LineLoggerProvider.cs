using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;

namespace ClusterMnist.Cli.Hosting;

/// <summary>
/// Logs of the actor runtime and cluster as plain timestamped lines on a command's output ("12:00:01 warn: …"), so
/// `coordinator` and `worker` print who joined, who left, and when they retry. Durations read as seconds ("2.0 s").
/// <see cref="Close"/> silences it, so that nothing follows a command's final JSON line.
/// </summary>
internal sealed partial class LineLoggerProvider(TextWriter output, LogLevel minimum = LogLevel.Information) : ILoggerProvider, ILoggerFactory
{
    private readonly Lock _lock = new();
    private bool _closed;

    public LogLevel Minimum => minimum;

    public ILogger CreateLogger(string categoryName) => new LineLogger(this, categoryName == AkkaCategory);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    // Akka.Hosting's bridge logs every event of an actor system under this one category; LogSource tells whose it is.
    private const string AkkaCategory = "Akka.Actor.ActorSystem";

    /// <summary>Writes one line now (for the command's own messages, in the same format).</summary>
    public void Write(string level, string message)
    {
        lock (_lock)
        {
            if (!_closed)
            {
                output.WriteLine($"{DateTime.Now.ToString("HH:mm:ss", CultureInfo.InvariantCulture)} {level}: {message}");
                output.Flush();
            }
        }
    }

    /// <summary>Drops every later line.</summary>
    public void Close()
    {
        lock (_lock)
        {
            _closed = true;
        }
    }

    public void Dispose() => Close();

    private static string Format<TState>(TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        string message = state is IReadOnlyList<KeyValuePair<string, object?>> values && values.Count > 0
            && values[^1] is { Key: "{OriginalFormat}", Value: string template }
            ? Fill(template, values)
            : formatter(state, exception);
        if (exception is not null && !message.Contains(exception.Message, StringComparison.Ordinal))
        {
            message += $" ({exception.GetType().Name}: {exception.Message})";
        }

        return StackFrame().Replace(message, "$1").ReplaceLineEndings(" ");
    }

    // A stack trace is for a debugger, not a console line: Akka formats exceptions into its messages (an association's
    // reason, a logged failure's cause), and one DNS failure printed some 30 frames per retry. The frames go, with the
    // "--- End of ..." separators; the exception's type and message stay, and a bracket that closed the trace is kept.
    [GeneratedRegex(@"\r?\n[ \t]*(?:at [^\r\n]*?|--- End of [^\r\n]*?)(\]?)(?=\r?\n|$)")]
    private static partial Regex StackFrame();

    // Like the default formatter, but a TimeSpan prints as "1.5 s" instead of "00:00:01.5000000".
    private static string Fill(string template, IReadOnlyList<KeyValuePair<string, object?>> values)
    {
        var text = new StringBuilder(template.Length + 32);
        int position = 0;
        while (position < template.Length)
        {
            int open = template.IndexOf('{', position);
            int close = open < 0 ? -1 : template.IndexOf('}', open);
            if (open < 0 || close < 0)
            {
                text.Append(template, position, template.Length - position);
                break;
            }

            text.Append(template, position, open - position);
            string hole = template[(open + 1)..close];
            string name = hole.Split(':')[0];
            string? format = hole.Contains(':', StringComparison.Ordinal) ? hole[(hole.IndexOf(':', StringComparison.Ordinal) + 1)..] : null;
            object? value = values.FirstOrDefault(v => v.Key == name).Value;
            text.Append(value switch
            {
                TimeSpan span => span.TotalSeconds.ToString("0.0##", CultureInfo.InvariantCulture) + " s",
                IFormattable formattable => formattable.ToString(format, CultureInfo.InvariantCulture),
                null => "null",
                _ => value.ToString(),
            });
            position = close + 1;
        }

        return text.ToString();
    }

    // Our actors' lines (their source is an actor under /user) are the cluster's story; Akka's own machinery (remoting,
    // gossip, the split brain resolver) speaks up only with a warning or an error.
    private static bool IsAkkaInternal<TState>(TState state) =>
        state is IEnumerable<KeyValuePair<string, object?>> values
        && !values.Any(v => v.Key == "LogSource" && v.Value?.ToString()?.Contains("/user/", StringComparison.Ordinal) == true);

    // Akka.Remote's two lines for a peer that closed its connection: the ERROR "Disassociated" (the endpoint's supervisor
    // logging the failure it handles by stopping the endpoint) and the WARNING "Association with remote system … has
    // failed; address is now gated … Reason is: [Akka.Remote.EndpointDisassociatedException: Disassociated …]", both
    // with a stack trace. They follow every graceful leave and every normal end of a run, so they are no news; a peer
    // that died instead is reported by the cluster (its failure detector's UNREACHABLE warning) and by our actors (the
    // coordinator's "is unreachable", the worker's "lost the coordinator"). Other association failures (a refused
    // connection, TLS) are kept. Akka's own log filters (akka.loggers' LogFilterSetup) are not applied by Akka.Hosting's
    // bridge, hence here.
    private const string DisassociatedException = "Akka.Remote.EndpointDisassociatedException";

    private static bool IsPeerDisconnect(Exception? exception, string message) =>
        exception?.GetType().FullName == DisassociatedException
        || message.Contains($"Reason is: [{DisassociatedException}: Disassociated", StringComparison.Ordinal);

    // Akka.Cluster's failure detector goes on watching a member after it was downed, and some seconds later marks it
    // UNREACHABLE with a warning on every node that watched it. By then the member's status is Down: the coordinator
    // has already said that the worker is gone and that it downed it, and the other workers have no stake in it. So a
    // warning whose members are all Down is a debug line. An unreachable member that is still Up (a paused process, a
    // cut network) keeps its warning: that is the news.
    [GeneratedRegex(@"Marking node\(s\) as UNREACHABLE \[(?<members>.*)\]\. Node roles")]
    private static partial Regex UnreachableLine();

    [GeneratedRegex(@"status = (?<status>\w+)")]
    private static partial Regex MemberStatus();

    private static bool IsUnreachableAfterDown(string message)
    {
        var line = UnreachableLine().Match(message);
        if (!line.Success)
        {
            return false;
        }

        var statuses = MemberStatus().Matches(line.Groups["members"].Value);
        return statuses.Count > 0 && statuses.All(s => s.Groups["status"].Value == "Down");
    }

    // Akka's line is "[INFO][timestamp][Thread 0007][source] message": the message is what the line shows.
    [GeneratedRegex(@"^\[[A-Z]+\]\[[^\]]*\]\[Thread [^\]]*\]\[[^\]]*\] ")]
    private static partial Regex AkkaPrefix();

    private sealed class LineLogger(LineLoggerProvider provider, bool akka) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= provider.Minimum && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel) || (akka && logLevel < LogLevel.Warning && IsAkkaInternal(state)))
            {
                return;
            }

            if (akka)
            {
                string raw = formatter(state, exception);
                if (IsPeerDisconnect(exception, raw))
                {
                    return;
                }

                if (logLevel == LogLevel.Warning && IsUnreachableAfterDown(raw))
                {
                    logLevel = LogLevel.Debug;
                    if (!IsEnabled(logLevel))
                    {
                        return;
                    }
                }
            }

            string level = logLevel switch
            {
                LogLevel.Warning => "warn",
                LogLevel.Error or LogLevel.Critical => "error",
                LogLevel.Information => "info",
                _ => "debug",
            };
            string message = Format(state, exception, formatter);
            provider.Write(level, akka ? AkkaPrefix().Replace(message, string.Empty, 1) : message);
        }
    }
}
