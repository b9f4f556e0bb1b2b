namespace OcfAgents.Sys;

/// <summary>
/// systemctl, for agents whose daemon may be a systemd unit instead of a process they run
/// themselves. A missing systemctl reads as a failed call (exit 127) with the reason, like
/// systemctl's own "System has not been booted with systemd" on a node without it.
/// </summary>
public static class Systemctl
{
    public static ProcessResult Run(IReadOnlyList<string> args, Deadline deadline)
    {
        try { return ProcessRunner.Run(new ProcessSpec(["systemctl", .. args]), deadline); }
        catch (System.ComponentModel.Win32Exception e) { return new ProcessResult(127, "", $"systemctl: {e.Message}", false); }
    }

    /// <summary>systemctl start --no-block: queues the start job and returns; the agent waits for readiness itself.</summary>
    public static ProcessResult StartNoBlock(string unit, Deadline deadline) => Run(["start", "--no-block", unit], deadline);

    public static ProcessResult Stop(string unit, Deadline deadline) => Run(["stop", unit], deadline);

    /// <summary>True when systemd has marked the unit failed (its start or its main process failed).</summary>
    public static bool IsFailed(string unit, Deadline deadline) => Run(["is-failed", "--quiet", unit], deadline).Succeeded;

    /// <summary>The last non-empty line systemctl printed, for an exit reason.</summary>
    public static string LastLine(ProcessResult r) =>
        (r.Stderr + "\n" + r.Stdout).Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.Length > 0) ?? (r.TimedOut ? "timed out" : $"exit {r.ExitCode}");

    /// <summary>A unit name as systemd accepts it (letters, digits, "-_.@:\" and a type suffix); null when fine.</summary>
    public static string? CheckUnitName(string v) =>
        v.Length == 0 || (v.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '@' or ':' or '\\') && v.Contains('.'))
            ? null : $"'{v}' is not a unit name (like xcatd.service)";
}
