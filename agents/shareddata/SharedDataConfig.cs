using OcfAgents.Ocf;
using OcfAgents.Sys;

namespace OcfAgents.Agents.SharedData;

/// <summary>One link of the set: PATH becomes a symlink to TARGET; real data at PATH goes to BACKUP.</summary>
public sealed record Link(string Path, string Target, string Backup)
{
    /// <summary>Where the new symlink is made before it is renamed over PATH (same directory, so rename is atomic).</summary>
    public string Temp => System.IO.Path.Combine(System.IO.Path.GetDirectoryName(Path)!, $".{System.IO.Path.GetFileName(Path)}.shareddata-new");
}

public sealed record SharedDataConfig(string SharedRoot, IReadOnlyList<Link> Links, bool RequireMountpoint, bool CreateTargets)
{
    /// <summary>Every check that needs only the parameters; each failure is "not configured" (6).</summary>
    public static Configured<SharedDataConfig> From(string root, string[] paths, string? mapping, string suffix,
        bool requireMountpoint, bool createTargets)
    {
        if (root == "/") return Configured<SharedDataConfig>.Invalid("shared_root is '/'; set it to the mount point of the shared storage");
        if (paths.Length == 0) return Configured<SharedDataConfig>.Invalid("paths lists no path; list the directories to put on shared storage");
        if (suffix.Length == 0) return Configured<SharedDataConfig>.Invalid("backup_suffix is empty; a backup would overwrite the path itself");

        var explicitTargets = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in (mapping ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=');
            if (eq <= 0) return Configured<SharedDataConfig>.Invalid($"mapping entry '{pair}' is not PATH=TARGET");
            var (p, t) = (pair[..eq], pair[(eq + 1)..]);
            if (Param.CheckAbsolute(p) is { } pe) return Configured<SharedDataConfig>.Invalid($"mapping: {pe}");
            if (Param.CheckAbsolute(t) is { } te) return Configured<SharedDataConfig>.Invalid($"mapping: {te}");
            p = PathText.Normalize(p);
            if (!paths.Contains(p)) return Configured<SharedDataConfig>.Invalid($"mapping names {p}, which is not in paths");
            if (!PathText.IsWithin(t, root) || PathText.Same(t, root))
                return Configured<SharedDataConfig>.Invalid($"mapping target {t} is not inside shared_root {root}");
            explicitTargets[p] = PathText.Normalize(t);
        }

        var links = new List<Link>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in paths)
        {
            if (path == "/") return Configured<SharedDataConfig>.Invalid("paths contains '/'; list the directories to share, not the root");
            if (!seen.Add(path)) return Configured<SharedDataConfig>.Invalid($"path {path} is listed twice in paths");
            if (PathText.IsWithin(path, root)) return Configured<SharedDataConfig>.Invalid($"path {path} lies inside shared_root {root}; it would link to itself");
            if (PathText.IsWithin(root, path)) return Configured<SharedDataConfig>.Invalid($"shared_root {root} lies inside link path {path}; linking would hide it");
            var target = explicitTargets.TryGetValue(path, out var t) ? t : PathText.Normalize(root + path);
            links.Add(new Link(path, target, path + suffix));
        }

        foreach (var a in links)
            foreach (var b in links)
            {
                if (a == b) continue;
                if (PathText.IsWithin(a.Path, b.Path)) return Configured<SharedDataConfig>.Invalid($"paths {b.Path} and {a.Path} overlap; list only {b.Path}");
                if (PathText.IsWithin(a.Target, b.Path)) return Configured<SharedDataConfig>.Invalid($"target {a.Target} lies inside link path {b.Path}");
                if (a.Backup == b.Path) return Configured<SharedDataConfig>.Invalid($"backup name {a.Backup} is also a path in paths");
                if (a.Target == b.Target) return Configured<SharedDataConfig>.Invalid($"{a.Path} and {b.Path} map to the same target {a.Target}");
            }
        return new SharedDataConfig(root, links, requireMountpoint, createTargets);
    }
}
