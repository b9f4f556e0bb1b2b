using System.Security.Cryptography;
using OcfAgents.Sys;

namespace OcfAgents.Harness;

/// <summary>One path as the harness saw it: its kind and what identifies its content.</summary>
public sealed record FsEntry(string Kind, string Content)
{
    public override string ToString() => Kind switch
    {
        "symlink" => $"symlink → {Content}",
        "file" => $"file, {Content}",
        _ => Kind,
    };
}

/// <summary>
/// The state of the paths an agent's parameters name, and of their neighbours, before a start
/// and after the stop that should undo it. The parent directory is included because that is
/// where an agent puts what it moves aside (backups, temp names). Symlinks are never followed.
/// </summary>
public sealed class FsSnapshot
{
    private const int MaxEntries = 20_000, MaxDepth = 3;
    private const long HashLimit = 1 << 20;

    // Walking these would mean walking the system; a parameter under them is watched alone.
    private static readonly HashSet<string> SystemDirectories =
        ["/", "/usr", "/usr/bin", "/usr/sbin", "/usr/lib", "/usr/local", "/bin", "/sbin", "/lib", "/lib64",
         "/etc", "/var", "/var/lib", "/var/run", "/run", "/tmp", "/opt", "/srv", "/home", "/root", "/proc", "/sys", "/dev"];

    public IReadOnlyDictionary<string, FsEntry> Entries { get; }
    public bool Truncated { get; }

    private FsSnapshot(Dictionary<string, FsEntry> entries, bool truncated) => (Entries, Truncated) = (entries, truncated);

    /// <summary>Absolute paths in parameter values ("/a /b", "a=/x,b=/y" and "/x:/y" all count).</summary>
    public static IReadOnlyList<string> PathsIn(IEnumerable<string> values) =>
        values.SelectMany(v => v.Split([' ', '\t', '\n', ',', ';', '=', ':'], StringSplitOptions.RemoveEmptyEntries))
              .Where(t => t.StartsWith('/') && t.Length > 1)
              .Select(t => Path.TrimEndingDirectorySeparator(t))
              .Where(t => !t.StartsWith("/proc/", StringComparison.Ordinal) && !t.StartsWith("/sys/", StringComparison.Ordinal) && !t.StartsWith("/dev/", StringComparison.Ordinal))
              .Distinct().ToList();

    public static FsSnapshot Take(IReadOnlyList<string> watched)
    {
        var entries = new Dictionary<string, FsEntry>(StringComparer.Ordinal);
        var truncated = false;
        var roots = watched.Select(p => Path.GetDirectoryName(p) is { } parent && !SystemDirectories.Contains(parent) ? parent : p).Distinct();
        foreach (var root in roots) Walk(root, 0, entries, ref truncated);
        foreach (var p in watched) entries.TryAdd(p, Describe(p) ?? Absent);
        return new FsSnapshot(entries, truncated);
    }

    public static readonly FsEntry Absent = new("absent", "");

    private static void Walk(string path, int depth, Dictionary<string, FsEntry> into, ref bool truncated)
    {
        if (into.Count >= MaxEntries) { truncated = true; return; }
        if (into.ContainsKey(path)) return;
        var entry = Describe(path);
        if (entry is null) return;
        into[path] = entry;
        if (entry.Kind != "directory" || depth >= MaxDepth) return;
        string[] children;
        try { children = Directory.GetFileSystemEntries(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return; }
        Array.Sort(children, StringComparer.Ordinal);
        foreach (var child in children) Walk(child, depth + 1, into, ref truncated);
    }

    private static FsEntry? Describe(string path)
    {
        try
        {
            return AtomicFs.Kind(path) switch
            {
                PathKind.Absent => null,
                PathKind.Symlink => new FsEntry("symlink", AtomicFs.ReadLink(path) ?? ""),
                PathKind.Directory => new FsEntry("directory", ""),
                PathKind.File => new FileInfo(path).Length is var n && n <= HashLimit
                    ? new FsEntry("file", $"{n} bytes, sha256 {Hash(path)}")
                    : new FsEntry("file", $"{n} bytes"),
                _ => new FsEntry("other", ""), // fifo, socket, device: never opened
            };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or SysError)
        {
            return new FsEntry("unreadable", e.Message);
        }
    }

    private static string Hash(string path)
    {
        try
        {
            using var s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.None);
            return Convert.ToHexStringLower(SHA256.HashData(s))[..16];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return "unreadable"; }
    }
}

/// <summary>How the state after stop differs from the state before start.</summary>
public sealed record FsDifference(string Path, FsEntry Before, FsEntry After, bool IsLoss, bool NamedByParameter)
{
    /// <summary>
    /// Data lost anywhere, any change to what was at a path a parameter names, or a symlink left
    /// at such a path (the resource itself still in place). A state directory, pid file or log
    /// the agent made at a named path is its own business: reported, not failed.
    /// </summary>
    public bool IsFailure => IsLoss || NamedByParameter && (Before.Kind != "absent" || After.Kind == "symlink");
}

public static class FsCompare
{
    /// <summary>
    /// | before           | after                    | verdict                                  |
    /// |------------------|--------------------------|------------------------------------------|
    /// | present          | absent                   | loss: data the agent did not create gone |
    /// | present          | other kind / link target | loss: replaced                           |
    /// | file             | same kind, other content | difference (a daemon's files change)     |
    /// | absent           | present                  | left behind                              |
    /// Which of these fail the check: <see cref="FsDifference.IsFailure"/>.
    /// </summary>
    public static IReadOnlyList<FsDifference> Compare(FsSnapshot before, FsSnapshot after, IReadOnlySet<string> named)
    {
        var diffs = new List<FsDifference>();
        foreach (var path in before.Entries.Keys.Union(after.Entries.Keys).Order(StringComparer.Ordinal))
        {
            var b = before.Entries.GetValueOrDefault(path) ?? FsSnapshot.Absent;
            var a = after.Entries.GetValueOrDefault(path) ?? FsSnapshot.Absent;
            if (b == a) continue;
            // Only what both walks could see is evidence: a new entry below the depth walked before,
            // or one missing from a walk cut short at its entry limit, says nothing.
            if (b.Kind == "absent" && !before.Entries.ContainsKey(path) && !ParentSeen(before, path)) continue;
            if (a.Kind == "absent" && !after.Entries.ContainsKey(path) && after.Truncated) continue;
            var loss = b.Kind != "absent" && (a.Kind != b.Kind || b.Kind == "symlink");
            diffs.Add(new FsDifference(path, b, a, loss, named.Contains(path)));
        }
        return diffs;
    }

    private static bool ParentSeen(FsSnapshot s, string path) =>
        Path.GetDirectoryName(path) is { } parent && s.Entries.TryGetValue(parent, out var e) && e.Kind == "directory";
}
