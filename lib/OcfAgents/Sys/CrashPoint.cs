using System.Diagnostics;

namespace OcfAgents.Sys;

/// <summary>
/// Test hook for the crash matrix: the agent SIGKILLs itself at the Nth step boundary when
/// OCFAGENTS_CRASH_AT=N. The calls are [Conditional]: Release builds (dist/) contain none.
/// With OCFAGENTS_CRASH_TRACE set, every boundary passed is reported on stderr, so a test can
/// count the boundaries of a run and prove each one was reached. OCFAGENTS_STALL_AT=N makes the
/// Nth boundary hang instead, to prove the deadline watchdog answers before Pacemaker's timeout.
/// OCFAGENTS_PAUSE_AT=N stops the process (SIGSTOP) at the Nth boundary, so a test can run
/// another action right there — a forced interleaving — and then let it go on with SIGCONT.
/// </summary>
public static class CrashPoint
{
    private static int _passed;

    [Conditional("OCF_TEST_HOOKS")]
    public static void Here(string step)
    {
        _passed++;
        if (Environment.GetEnvironmentVariable("OCFAGENTS_CRASH_TRACE") is not null)
            Native.WriteRaw(2, $"crash-point {_passed}: {step}\n");
        if (int.TryParse(Environment.GetEnvironmentVariable("OCFAGENTS_CRASH_AT"), out var at) && at == _passed)
            Native.Kill(Native.GetPid(), Native.SIGKILL);
        if (int.TryParse(Environment.GetEnvironmentVariable("OCFAGENTS_PAUSE_AT"), out var pause) && pause == _passed)
            Native.Kill(Native.GetPid(), Native.SIGSTOP);
        if (int.TryParse(Environment.GetEnvironmentVariable("OCFAGENTS_STALL_AT"), out var stall) && stall == _passed)
            Thread.Sleep(Timeout.Infinite);
    }
}
