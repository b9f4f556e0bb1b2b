namespace OcfAgents.Sys;

/// <summary>kill(2) for agents that stop daemons by signal (their own protocol, e.g. PostgreSQL's shutdown modes).</summary>
public static class Signal
{
    public const int SIGINT = 2, SIGQUIT = 3, SIGKILL = 9, SIGTERM = 15, SIGCONT = 18, SIGSTOP = 19;

    /// <summary>True when the signal was delivered; false when the process is gone (or not ours to signal).</summary>
    public static bool Send(int pid, int signal) => pid > 0 && Native.Kill(pid, signal) == 0;

    /// <summary>
    /// kill(-pgid): every member of a process group. Refuses group 0 and 1 (init) and the caller's
    /// own group (the agent would kill itself and the Pacemaker executor's view of it).
    /// </summary>
    public static bool SendGroup(int pgid, int signal) =>
        pgid > 1 && pgid != ProcessIdentity.GroupOf(Native.GetPid()) && Native.Kill(-pgid, signal) == 0;
}
