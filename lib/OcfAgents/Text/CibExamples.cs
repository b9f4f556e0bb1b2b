using System.Reflection;

namespace OcfAgents.Text;

/// <summary>
/// The configuration examples a man page shows, taken from the repository's cib-examples at
/// build time (each executable embeds its directory's pcs.sh and crm.txt as the resources
/// "cib-example/pcs.sh" and "cib-example/crm.txt", see Directory.Build.targets), so a page
/// never shows a line the tests did not load into a CIB.
/// </summary>
public static class CibExamples
{
    /// <summary>
    /// The statements of one example file (pcs.sh or crm.txt) that configure one of
    /// <paramref name="agents"/> ("ocf:xcat:shareddata", "fence_ipmi"), and the constraints
    /// that name the resources they create; each statement as written, continuation lines kept.
    /// Empty when the executable embeds no such example.
    /// </summary>
    public static IReadOnlyList<string> For(string file, IReadOnlyCollection<string> agents)
    {
        using var stream = Assembly.GetEntryAssembly()?.GetManifestResourceStream("cib-example/" + file);
        if (stream is null) return [];
        using var reader = new StreamReader(stream);
        var statements = Statements(reader.ReadToEnd());
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var picked = new List<string>();
        foreach (var s in statements)
        {
            var words = s.Split([' ', '\t', '\n', '\\'], StringSplitOptions.RemoveEmptyEntries);
            if (!words.Any(w => agents.Any(a => w == a || w == "stonith:" + a || w.EndsWith("/" + a, StringComparison.Ordinal)))) continue;
            picked.Add(s);
            // pcs resource|stonith create ID …; crm primitive ID …
            var id = words is ["pcs", _, "create", var pcsId, ..] ? pcsId : words is ["primitive", var crmId, ..] ? crmId : null;
            if (id is not null) ids.Add(id);
        }
        foreach (var s in statements.Where(s => !picked.Contains(s)))
        {
            var words = s.Split([' ', '\t', '\n', '\\'], StringSplitOptions.RemoveEmptyEntries);
            var constraint = words is ["pcs", "constraint", ..] or ["location" or "colocation" or "order", ..];
            if (constraint && words.Any(ids.Contains)) picked.Add(s);
        }
        return [.. statements.Where(picked.Contains)];
    }

    /// <summary>Lines joined across trailing backslashes; comments, blank lines and the shell's own lines dropped.</summary>
    private static List<string> Statements(string text)
    {
        var result = new List<string>();
        var current = new List<string>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd();
            if (current.Count == 0 && (line.Length == 0 || line.TrimStart().StartsWith('#') || line is "set -e" or "set -eu")) continue;
            current.Add(line);
            if (line.EndsWith('\\')) continue;
            result.Add(string.Join('\n', current));
            current.Clear();
        }
        if (current.Count > 0) result.Add(string.Join('\n', current));
        return result;
    }
}
