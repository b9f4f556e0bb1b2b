using System.Globalization;

namespace OcfAgents.Sys;

/// <summary>
/// Who listens on a local TCP port: the socket's inode from /proc/net/tcp and tcp6 (proc(5): "sl
/// local_address rem_address st … inode", addresses as hex IP:PORT, st 0A = LISTEN), then the
/// process holding "socket:[inode]" among /proc/*/fd. Only what root can see; null when unknown.
/// </summary>
public static class PortOwner
{
    public static string? Describe(int port)
    {
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
        if (inodes.Count == 0) return null;
        foreach (var proc in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(proc), out var pid)) continue;
            IEnumerable<string> fds;
            try { fds = Directory.EnumerateFiles(Path.Combine(proc, "fd")).ToList(); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { continue; }
            foreach (var fd in fds)
            {
                string? target;
                try { target = AtomicFs.ReadLink(fd); }
                catch (SysError) { continue; } // the process or the descriptor went away meanwhile
                if (target is null || !target.StartsWith("socket:[", StringComparison.Ordinal) || !inodes.Contains(target[8..^1])) continue;
                string comm;
                try { comm = File.ReadAllText(Path.Combine(proc, "comm")).Trim(); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { comm = "?"; }
                return $"pid {pid} ({comm})";
            }
        }
        return null;
    }
}
