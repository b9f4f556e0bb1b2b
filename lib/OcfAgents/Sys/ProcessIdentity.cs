using System.Globalization;

namespace OcfAgents.Sys;

/// <summary>
/// A process as (pid, start time in clock ticks since boot). A pid alone is not an identity: after
/// a crash the number can belong to any later process. proc(5) /proc/PID/stat field 22
/// (starttime) is read after the last ')' because field 2 (comm) may contain spaces and ')'.
/// </summary>
public readonly record struct ProcessIdentity(int Pid, ulong StartTime)
{
    public static ProcessIdentity? Of(int pid)
    {
        if (pid <= 0) return null;
        string stat;
        try { stat = File.ReadAllText($"/proc/{pid}/stat"); }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
        var close = stat.LastIndexOf(')');
        if (close < 0) return null;
        // After ") ": field 3 (state) is index 0, so field 22 is index 19.
        var rest = stat[(close + 2)..].Split(' ');
        if (rest.Length < 20 || !ulong.TryParse(rest[19], NumberStyles.None, CultureInfo.InvariantCulture, out var start))
            return null;
        if (rest[0] == "Z" && !OtherThreadsLive(pid)) return null; // a zombie is dead for every purpose of ours
        return new ProcessIdentity(pid, start);
    }

    /// <summary>True while PID's main thread has exited (state Z) and other threads of it remain: on its way out, or a process living on without its main thread.</summary>
    public static bool LeaderExited(int pid) => StateOf(pid) == 'Z' && OtherThreadsLive(pid);

    /// <summary>
    /// A thread-group leader shows state Z as soon as it has exited, while the group's other
    /// threads may still run — or, after a SIGKILL, still be tearing down and holding the process's
    /// files and listening sockets (a multi-threaded mariadbd's port stayed bound after its leader
    /// read Z, and a start that took the server for gone found the port taken). The process ends
    /// when /proc/PID/task lists no thread but the leader.
    /// </summary>
    private static bool OtherThreadsLive(int pid)
    {
        try { return Directory.EnumerateDirectories($"/proc/{pid}/task").Any(t => Path.GetFileName(t) != pid.ToString(CultureInfo.InvariantCulture)); }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }

    /// <summary>Field 3 (state) of /proc/PID/stat, '\0' when the process is gone.</summary>
    private static char StateOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var at = stat.LastIndexOf(')') + 2;
            return at >= 2 && at < stat.Length ? stat[at] : '\0';
        }
        catch (IOException) { return '\0'; }
        catch (UnauthorizedAccessException) { return '\0'; }
    }

    public bool IsAlive => Of(Pid) is { } now && now.StartTime == StartTime;

    /// <summary>argv[0..] of the live process, or null.</summary>
    public string[]? CommandLine()
    {
        try
        {
            var raw = File.ReadAllText($"/proc/{Pid}/cmdline");
            return raw.TrimEnd('\0').Split('\0');
        }
        catch (IOException) { return null; }
    }

    /// <summary>Field 4 (ppid) of /proc/PID/stat, 0 when the process is gone.</summary>
    public static int ParentOf(int pid) => StatField(pid, 1);

    /// <summary>This process's effective user id (the one the kernel checks and peers see over a Unix socket).</summary>
    public static uint EffectiveUserId => Native.GetEuid();

    /// <summary>Field 5 (pgrp) of /proc/PID/stat, 0 when the process is gone.</summary>
    public static int GroupOf(int pid) => StatField(pid, 2);

    /// <summary>Field 6 of /proc/PID/stat: the session id (the pid of the process that called setsid).</summary>
    public static int SessionOf(int pid) => StatField(pid, 3);

    /// <summary>Live pids whose process group is <paramref name="pgid"/>.</summary>
    public static List<int> GroupMembers(int pgid) => Matching(pgid, GroupOf);

    /// <summary>Live pids in any of the sessions <paramref name="sids"/>, whatever their process group: one pass over /proc.</summary>
    public static List<int> SessionMembers(IReadOnlyCollection<int> sids)
    {
        var members = new List<int>();
        if (!sids.Any(sid => sid > 1)) return members;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
            if (int.TryParse(Path.GetFileName(dir), out var pid) && sids.Contains(SessionOf(pid)) && Of(pid) is not null) members.Add(pid);
        return members;
    }

    private static List<int> Matching(int id, Func<int, int> field)
    {
        var members = new List<int>();
        if (id <= 1) return members;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
            if (int.TryParse(Path.GetFileName(dir), out var pid) && field(pid) == id && Of(pid) is not null) members.Add(pid);
        return members;
    }

    /// <summary>Live pids below <paramref name="pid"/> in the parent tree (children, their children, ...).</summary>
    public static List<int> Descendants(int pid) => Descendants([pid]);

    /// <summary>Live pids below any of <paramref name="pids"/>: one pass over /proc for them all.</summary>
    public static List<int> Descendants(IEnumerable<int> pids)
    {
        var parents = new Dictionary<int, int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
            if (int.TryParse(Path.GetFileName(dir), out var p) && ParentOf(p) is var pp and > 0) parents[p] = pp;
        var found = new List<int>();
        var frontier = new Queue<int>(pids);
        while (frontier.TryDequeue(out var parent))
            foreach (var (child, _) in parents.Where(kv => kv.Value == parent))
            {
                found.Add(child);
                frontier.Enqueue(child);
            }
        return found;
    }

    private static int StatField(int pid, int index)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.TryParse(fields[index], NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : 0;
        }
        catch (IOException) { return 0; }
        catch (UnauthorizedAccessException) { return 0; }
    }

    public override string ToString() => $"{Pid} {StartTime}";

    public static ProcessIdentity? Parse(string text)
    {
        var parts = text.Trim().Split(' ');
        return parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
               && ulong.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var st)
            ? new ProcessIdentity(pid, st) : null;
    }
}
