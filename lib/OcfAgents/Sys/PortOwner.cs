using System.Globalization;

namespace OcfAgents.Sys;

/// <summary>
/// Who listens on a local TCP port: the socket's inode from sock_diag (<see cref="SockDiag"/>), or
/// where netlink is unavailable from /proc/net/tcp and tcp6 (proc(5): "sl
/// local_address rem_address st … inode", addresses as hex IP:PORT, st 0A = LISTEN), then the
/// processes holding "socket:[inode]" among /proc/*/fd. Only what root can see.
/// </summary>
public static class PortOwner
{
    /// <summary>"pid N (comm)" of a process listening on the port; null when nobody (visible) listens.</summary>
    public static string? Describe(int port) =>
        Listeners(port) is [var pid, ..] ? $"pid {pid} ({Comm(pid)})" : null;

    /// <summary>Is any socket in LISTEN on this TCP port, whoever holds it?</summary>
    public static bool IsListening(int port) => ListeningInodes(port).Count > 0;

    /// <summary>Pids holding a LISTEN socket on the port (a forked server's children share it).</summary>
    public static List<int> Listeners(int port, IEnumerable<int>? among = null)
    {
        var inodes = ListeningInodes(port);
        var pids = new List<int>();
        if (inodes.Count == 0) return pids;
        var candidates = among ?? Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out var p) ? p : 0).Where(p => p > 0);
        foreach (var pid in candidates)
        {
            List<string> fds;
            try { fds = Descriptors(pid); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { continue; }
            foreach (var fd in fds)
            {
                string? target;
                try { target = AtomicFs.ReadLink(fd); }
                catch (SysError) { continue; } // the process or the descriptor went away meanwhile
                if (target is null || !target.StartsWith("socket:[", StringComparison.Ordinal) || !inodes.Contains(target[8..^1])) continue;
                pids.Add(pid);
                break;
            }
        }
        return pids;
    }

    /// <summary>
    /// /proc/PID/fd/N for each open descriptor, newest (highest) first: a server opens its
    /// listening socket after it has loaded what it needs (xcatd holds ~85 module and table files
    /// below it), and the scan stops at the first match.
    /// </summary>
    private static List<string> Descriptors(int pid)
    {
        var names = Native.DirectoryNames($"/proc/{pid}/fd");
        names.Reverse();
        return names.Select(n => $"/proc/{pid}/fd/{n}").ToList();
    }

    private static HashSet<string> ListeningInodes(int port)
    {
        if (SockDiag.ListeningInodes(port) is { } fast)
            return fast.Select(i => i.ToString(CultureInfo.InvariantCulture)).ToHashSet(StringComparer.Ordinal);
        var inodes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            IEnumerable<string> lines;
            try { lines = File.ReadLines(table).Skip(1).ToList(); }
            catch (IOException) { continue; }
            foreach (var line in lines)
            {
                var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (f.Length < 10 || f[3] != "0A") continue;
                var colon = f[1].LastIndexOf(':');
                if (colon < 0 || !int.TryParse(f[1][(colon + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var p) || p != port) continue;
                inodes.Add(f[9]);
            }
        }
        return inodes;
    }

    private static string Comm(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/comm").Trim(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return "?"; }
    }
}
