using System.CommandLine;
using Spectre.Console;

namespace ClusterMnist.Cli.Hosting;

/// <summary>
/// Where a command writes. Live progress bars only make sense on a real terminal; when output is redirected,
/// captured by a test or running under CI, commands print plain lines instead.
/// </summary>
internal sealed class CliConsole
{
    private CliConsole(TextWriter output, TextWriter error, bool interactive)
    {
        Out = output;
        Error = error;
        Interactive = interactive;
        Ansi = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = interactive ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = interactive ? InteractionSupport.Yes : InteractionSupport.No,
        });
        if (!interactive)
        {
            // Tables in logs should not wrap at the default 80 columns.
            Ansi.Profile.Width = 160;
        }
    }

    public TextWriter Out { get; }

    public TextWriter Error { get; }

    /// <summary>True when output goes straight to a terminal, so live progress bars can redraw in place.</summary>
    public bool Interactive { get; }

    /// <summary>A Spectre console that writes to <see cref="Out"/> (plain text unless interactive).</summary>
    public IAnsiConsole Ansi { get; }

    public static CliConsole From(ParseResult parseResult)
    {
        var output = parseResult.InvocationConfiguration.Output;
        var error = parseResult.InvocationConfiguration.Error;
        return new CliConsole(output, error, IsTerminal(output));
    }

    private static bool IsTerminal(TextWriter output) =>
        ReferenceEquals(output, Console.Out)
        && !Console.IsOutputRedirected
        && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"))
        && Environment.GetEnvironmentVariable("TERM") != "dumb";
}
