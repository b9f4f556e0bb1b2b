using System.Diagnostics;

namespace OcfAgents.Sys;

/// <summary>One external command: an argv array, never a shell string.</summary>
public sealed record ProcessSpec(IReadOnlyList<string> Argv)
{
    /// <summary>Extra environment for this child only (how a secret may reach it).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();
    /// <summary>Written to the child's stdin, then closed (the other way a secret may reach it).</summary>
    public string? StandardInput { get; init; }
    /// <summary>Values that must never be in argv; the runner refuses to start if one is.</summary>
    public IReadOnlyList<string> Secrets { get; init; } = [];
    public string? WorkingDirectory { get; init; }
}

public sealed record ProcessResult(int ExitCode, string Stdout, string Stderr, bool TimedOut)
{
    public bool Succeeded => !TimedOut && ExitCode == 0;
}

/// <summary>
/// Runs commands inside the action's deadline. A command still running at the deadline is
/// killed with its whole process tree, and the result says so; it never outlives the agent.
/// </summary>
public static class ProcessRunner
{
    public static ProcessResult Run(ProcessSpec spec, Deadline deadline)
    {
        if (spec.Argv.Count == 0) throw new ArgumentException("empty argv");
        foreach (var secret in spec.Secrets)
            if (secret.Length > 0 && spec.Argv.Any(a => a.Contains(secret, StringComparison.Ordinal)))
                throw new ArgumentException($"refusing to put a secret on the command line of {spec.Argv[0]}");

        Logging.ActionTrace.Write($"exec {Quoted(spec.Argv)}");
        var started = Environment.TickCount64;
        using var p = Start(spec.Argv, spec);
        var stdout = new Drain(p.StandardOutput);
        var stderr = new Drain(p.StandardError);
        try
        {
            if (spec.StandardInput is not null) p.StandardInput.Write(spec.StandardInput);
            p.StandardInput.Close();
        }
        catch (IOException) { /* the child closed stdin early; its exit status tells the rest */ }

        var timedOut = !p.WaitForExit(deadline.RemainingMilliseconds);
        if (timedOut)
        {
            try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            p.WaitForExit(1000);
        }
        // After the exit the pipes end at once, unless a child the command left behind holds them.
        var result = new ProcessResult(timedOut ? -1 : p.ExitCode, stdout.Text(1000), stderr.Text(1000), timedOut);
        Logging.ActionTrace.Write($"exit {(timedOut ? "killed at the deadline" : result.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture))} " +
                                  $"after {Environment.TickCount64 - started} ms: {spec.Argv[0]}");
        return result;
    }

    /// <summary>argv as a trace shows it: each word quoted when it needs to be (secrets never reach argv).</summary>
    internal static string Quoted(IReadOnlyList<string> argv) =>
        string.Join(' ', argv.Select(a => a.Length > 0 && a.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:,@%+".Contains(c)) ? a : $"'{ErrorText.Printable(a)}'"));

    /// <summary>
    /// One pipe read to its end on a thread of its own. ReadToEndAsync finishes on the thread pool,
    /// and a busy pool delayed it past the 1 s grace after the exit: `cat` with stdin "hello" came
    /// back with an empty stdout (a CI run, under the parallel test load) — an agent would have
    /// taken that for the command's real answer.
    /// </summary>
    private sealed class Drain
    {
        private readonly Thread _thread;
        private string _text = "";

        public Drain(StreamReader reader)
        {
            _thread = new Thread(() =>
            {
                try { _text = reader.ReadToEnd(); }
                catch (IOException) { }
                catch (ObjectDisposedException) { }
            }, maxStackSize: 256 * 1024) { IsBackground = true };
            _thread.Start();
        }

        /// <summary>Everything read, or "" when the pipe is still open after <paramref name="graceMs"/>.</summary>
        public string Text(int graceMs) => _thread.Join(graceMs) ? _text : "";
    }

    /// <summary>
    /// Starts a daemon in its own session (setsid), with stdio on /dev/null, so Pacemaker's
    /// SIGKILL of the agent's process group at a timeout cannot take the daemon with it.
    /// </summary>
    public static int StartDetached(ProcessSpec spec)
    {
        Logging.ActionTrace.Write($"exec (detached, own session) {Quoted(spec.Argv)}");
        using var p = Start(["setsid", "--fork", .. spec.Argv], spec);
        p.StandardInput.Close();
        p.WaitForExit();
        return p.ExitCode;
    }

    private static Process Start(IReadOnlyList<string> argv, ProcessSpec spec)
    {
        var psi = new ProcessStartInfo(argv[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = spec.WorkingDirectory ?? "/",
        };
        foreach (var a in argv.Skip(1)) psi.ArgumentList.Add(a);
        foreach (var (k, v) in spec.Environment) psi.Environment[k] = v;
        return Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {argv[0]}");
    }
}
