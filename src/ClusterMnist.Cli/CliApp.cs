using System.CommandLine;
using System.CommandLine.Parsing;
using ClusterMnist.Cli.Commands;
using ClusterMnist.Cli.Hosting;

namespace ClusterMnist.Cli;

/// <summary>
/// Builds the `clustermnist` command tree and runs it against any pair of writers, so tests run commands
/// in-process exactly as the binary does.
/// </summary>
internal static partial class CliApp
{
    public static RootCommand Build() => RefuseEmptyPaths(new RootCommand("ClusterMnist: data-parallel MNIST training on a SIMD engine.")
    {
        TrainCommand.Create(),
        CoordinatorCommand.Create(),
        WorkerCommand.Create(),
        EvaluateCommand.Create(),
        PredictCommand.Create(),
        ExportCommand.Create(),
        DownloadCommand.Create(),
        CertCommand.Create(),
        BenchCommand.Create(),
        HealthCommand.Create(),
    });

    /// <summary>
    /// Every option that names a file or folder (its help name is FILE…, or DIR) refuses an empty or blank value as a
    /// usage error. One rule for all commands, instead of a check in each: `evaluate --model ''` once ended with
    /// .NET's "The value cannot be an empty string. (Parameter 'path')".
    /// </summary>
    private static RootCommand RefuseEmptyPaths(RootCommand root)
    {
        var commands = new Stack<Command>([root]);
        while (commands.TryPop(out var command))
        {
            foreach (var sub in command.Subcommands)
            {
                commands.Push(sub);
            }

            foreach (var option in command.Options.OfType<Option<string>>())
            {
                if (option.HelpName is { } helpName && (helpName.StartsWith("FILE", StringComparison.Ordinal) || helpName == "DIR"))
                {
                    var what = helpName == "DIR" ? "folder" : "file";
                    option.Validators.Add(result =>
                    {
                        if (result.Tokens.Any(t => string.IsNullOrWhiteSpace(t.Value)))
                        {
                            result.AddError($"{option.Name} needs a {what} name, not an empty one.");
                        }
                    });
                }
            }
        }

        return root;
    }

    // "clustermnist bench train" for a subcommand: the help that explains the option in error.
    private static string CommandPath(CommandResult result)
    {
        var names = new List<string>();
        SymbolResult? at = result;
        while (at is CommandResult { Command: not RootCommand } command)
        {
            names.Insert(0, command.Command.Name);
            at = command.Parent;
        }

        return string.Join(' ', names.Prepend("clustermnist"));
    }

    /// <summary>
    /// Parses and runs one command line. Every failure becomes one line on <paramref name="error"/> and a
    /// non-zero exit code (2 for usage errors, 1 for failures while running, 130 when cancelled); never a stack trace.
    /// </summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        var parseResult = Build().Parse(args);
        if (parseResult.Errors.Count > 0)
        {
            // System.CommandLine would print every error followed by the whole help text; one line is easier to read in a log.
            var hint = $"{CommandPath(parseResult.CommandResult)} --help";
            var messages = string.Join(" ", parseResult.Errors.Select(e => Readable(OneLine(e.Message))).Distinct());
            await error.WriteLineAsync($"error: {messages} (see '{hint}')").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        var configuration = new InvocationConfiguration
        {
            Output = output,
            Error = error,
            EnableDefaultExceptionHandler = false,

            // Program.cs turns Ctrl+C and SIGTERM into cancellationToken; System.CommandLine's own handler would
            // only see them once an action returned an unfinished task, which a synchronous training loop never does.
            ProcessTerminationTimeout = null,
        };
        try
        {
            return await parseResult.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            var (message, exitCode) = ErrorReport.Describe(exception);
            await error.WriteLineAsync($"error: {message}").ConfigureAwait(false);
            return exitCode;
        }
    }

    /// <summary>
    /// System.CommandLine names the CLR type a value failed to parse as ("expected type
    /// 'System.Nullable`1[System.Int32]'"); users are told the kind of value instead, with its range for integers,
    /// since a number too large fails the same way as a word.
    /// </summary>
    internal static string Readable(string message)
    {
        var match = ParseFailure().Match(message);
        if (!match.Success)
        {
            return message;
        }

        string kind = match.Groups["type"].Value switch
        {
            "Int32" => $"a whole number up to {int.MaxValue:N0}",
            "Int64" => $"a whole number up to {long.MaxValue:N0}",
            "UInt64" => $"a whole number from 0 to {ulong.MaxValue:N0}",
            "Single" => "a finite number such as 0.002 or 1e-3",
            "Double" => "a number such as 0.5",
            var other => $"a value of type {other}",
        };
        return $"{match.Groups["option"].Value} takes {kind}, not '{match.Groups["value"].Value}'.{match.Groups["rest"].Value}";
    }

    [System.Text.RegularExpressions.GeneratedRegex(
        @"^Cannot parse argument '(?<value>.*)' for option '(?<option>[^']+)' as expected type '(?:System\.Nullable`1\[)?System\.(?<type>\w+)\]?'\.(?<rest>.*)$")]
    private static partial System.Text.RegularExpressions.Regex ParseFailure();

    private static string OneLine(string message) => string.Join(' ', message.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}
