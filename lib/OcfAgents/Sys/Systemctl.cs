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

    /// <summary>How a unit's start ended: ready (the agent's own check), failed (systemd says so), or neither by the deadline.</summary>
    public readonly record struct UnitStart(bool Ready, bool Failed, string? NotQueued);

    /// <summary>
    /// Starts a unit the way the agents do: `systemctl start --no-block UNIT`, then the agent's own
    /// readiness check until it passes or systemd marks the unit failed. A slice of the deadline
    /// (a quarter, at most 10 s) is kept for the caller, which stops the unit when the start did
    /// not end ready (<see cref="StopAfterStart"/>): systemd must not finish the start behind
    /// Pacemaker's back.
    /// </summary>
    public static UnitStart StartAndWait(string unit, Deadline deadline, Func<Deadline, bool> ready, Logging.Log log, string forWhat)
    {
        var r = StartNoBlock(unit, deadline);
        if (!r.Succeeded) return new(false, false, $"systemctl start {unit} failed: {LastLine(r)}");
        log.Info($"asked systemd to start {unit}{forWhat}");
        CrashPoint.Here("asked systemd to start the unit");
        var cleanup = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(10).Ticks, deadline.Budget.Ticks / 4));
        var wait = Deadline.After(deadline.Remaining - cleanup);
        bool isReady = false, failed = false;
        wait.WaitUntil(() => (isReady = ready(wait)) || (failed = IsFailed(unit, wait)), TimeSpan.FromMilliseconds(200));
        return new(isReady, failed, null);
    }

    /// <summary>Stops a unit whose start did not end ready, in what is left of the start's deadline.</summary>
    public static void StopAfterStart(string unit, Deadline deadline, Logging.Log log)
    {
        var stop = Stop(unit, Deadline.After(deadline.Remaining));
        if (!stop.Succeeded) log.Warn($"systemctl stop {unit}: {LastLine(stop)}");
    }

    /// <summary>
    /// The first step of the agents' stop in systemd mode: systemd's own stop (its escalation within
    /// TimeoutStopSec) in half of the stop time; whatever survives meets the agent's escalation and
    /// the same verification as without systemd.
    /// </summary>
    public static void StopFirst(string unit, Deadline deadline, Logging.Log log)
    {
        var r = Stop(unit, Deadline.After(deadline.Remaining / 2));
        if (!r.Succeeded) log.Warn($"systemctl stop {unit}: {LastLine(r)}");
        else log.Info($"systemd stopped {unit}");
        CrashPoint.Here("asked systemd to stop the unit");
    }

    /// <summary>The last non-empty line systemctl printed, for an exit reason.</summary>
    public static string LastLine(ProcessResult r) =>
        (r.Stderr + "\n" + r.Stdout).Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.Length > 0) ?? (r.TimedOut ? "timed out" : $"exit {r.ExitCode}");

    /// <summary>A unit name as systemd accepts it (letters, digits, "-_.@:\" and a type suffix); null when fine.</summary>
    public static string? CheckUnitName(string v) =>
        v.Length == 0 || (v.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '@' or ':' or '\\') && v.Contains('.'))
            ? null : $"'{v}' is not a unit name (like xcatd.service)";
}
