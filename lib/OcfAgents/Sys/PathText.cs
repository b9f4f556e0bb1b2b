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
        if (path.Length == 0) return path;
        var absolute = path[0] == '/';
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != ".");
        var joined = string.Join('/', parts);
        return absolute ? "/" + joined : (joined.Length == 0 ? "." : joined);
    }

    public static bool Same(string a, string b) => string.Equals(Normalize(a), Normalize(b), StringComparison.Ordinal);

    public static bool HasDotDot(string path) => path.Split('/').Any(p => p == "..");

    /// <summary>True when <paramref name="inner"/> is <paramref name="outer"/> or lies below it.</summary>
    public static bool IsWithin(string inner, string outer)
    {
        var i = Normalize(inner);
        var o = Normalize(outer);
        if (i == o) return true;
        if (o == "/") return i.StartsWith('/');
        return i.StartsWith(o + "/", StringComparison.Ordinal);
    }

    /// <summary>The absolute target a symlink at <paramref name="linkPath"/> with text <paramref name="linkText"/> names.</summary>
    public static string ResolveLinkText(string linkPath, string linkText) =>
        linkText.StartsWith('/') ? Normalize(linkText)
            : Normalize(Path.Combine(Path.GetDirectoryName(linkPath) ?? "/", linkText));

    /// <summary>realpath(3): every symlink resolved; null when the path (or a parent) does not exist.</summary>
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

    public static string? Real(string path)
    {
        var p = Native.RealPath(path, 0);
        if (p == 0) return null;
        try { return System.Runtime.InteropServices.Marshal.PtrToStringUTF8(p); }
        finally { Native.Free(p); }
    }
}
