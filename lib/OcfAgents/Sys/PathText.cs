namespace OcfAgents.Sys;

/// <summary>
/// Paths compared as paths, never as patterns: ocf:heartbeat:symlink compares with a regular
/// expression and breaks on '+' and '.' in names. Normalisation is lexical (no file-system
/// access): repeated slashes and "." components collapse, a trailing slash goes; ".." is kept
/// as-is, so a path with ".." never equals one without.
/// </summary>
public static class PathText
{
    public static string Normalize(string path)
    {
        if (path.Length == 0 || IsNormal(path)) return path;
        var absolute = path[0] == '/';
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != ".");
        var joined = string.Join('/', parts);
        return absolute ? "/" + joined : (joined.Length == 0 ? "." : joined);
    }

    /// <summary>
    /// Already normal: every component between slashes non-empty and not ".", no trailing slash
    /// ("/" and "." themselves are normal). Paths from a configuration almost always are, and
    /// shareddata's configuration check compares every pair of its paths: returning the string
    /// itself keeps a monitor from allocating ~50 KB of split arrays (each fresh page a fault).
    /// </summary>
    private static bool IsNormal(string path)
    {
        if (path is "/" or ".") return true;
        if (path[^1] == '/') return false;
        for (var i = path[0] == '/' ? 1 : 0; i <= path.Length;)
        {
            var end = path.IndexOf('/', i);
            if (end < 0) end = path.Length;
            if (end == i || (end == i + 1 && path[i] == '.')) return false;
            i = end + 1;
        }
        return true;
    }

    public static bool Same(string a, string b) => string.Equals(Normalize(a), Normalize(b), StringComparison.Ordinal);

    public static bool HasDotDot(string path)
    {
        foreach (var part in path.AsSpan().Split('/'))
            if (path.AsSpan(part).SequenceEqual("..")) return true;
        return false;
    }

    /// <summary>True when <paramref name="inner"/> is <paramref name="outer"/> or lies below it.</summary>
    public static bool IsWithin(string inner, string outer)
    {
        var i = Normalize(inner);
        var o = Normalize(outer);
        if (i == o) return true;
        if (o == "/") return i.StartsWith('/');
        return i.Length > o.Length && i[o.Length] == '/' && i.StartsWith(o, StringComparison.Ordinal);
    }

    /// <summary>The absolute target a symlink at <paramref name="linkPath"/> with text <paramref name="linkText"/> names.</summary>
    public static string ResolveLinkText(string linkPath, string linkText) =>
        linkText.StartsWith('/') ? Normalize(linkText)
            : Normalize(Path.Combine(Path.GetDirectoryName(linkPath) ?? "/", linkText));

    /// <summary>Is an executable <paramref name="name"/> in one of PATH's directories (this process's PATH)?</summary>
    public static bool OnPath(string name) => Find(name, Environment.GetEnvironmentVariable("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin") is not null;

    /// <summary>
    /// The executable a command name means in a colon-separated search path (a name with a '/'
    /// is taken as it is); null when there is none.
    /// </summary>
    public static string? Find(string name, string searchPath)
    {
        if (name.Contains('/')) return File.Exists(name) ? name : null;
        foreach (var dir in searchPath.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate) && AtomicFs.IsExecutable(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>realpath(3): every symlink resolved; null when the path (or a parent) does not exist.</summary>
    public static string? Real(string path)
    {
        var p = Native.RealPath(path, 0);
        if (p == 0) return null;
        try { return System.Runtime.InteropServices.Marshal.PtrToStringUTF8(p); }
        finally { Native.Free(p); }
    }
}
