namespace OcfAgents.Agents.Tests.Support;

/// <summary>
/// pcs on a CIB file (DIR/cib.xml, `pcs -f`, no cluster or pcsd), in a private mount namespace
/// where our agents are installed where pcs and Pacemaker look for them — overlays that add
/// /usr/lib/ocf/resource.d/xcat, /usr/sbin/fence_* and cluster-glue's external/xcat-* to what
/// the host has (heartbeat's and linbit's agents stay visible); the host is not touched.
/// </summary>
public static class PcsSandbox
{
    /// <summary>Runs each argv in DIR inside the sandbox, stopping at the first failure.</summary>
    public static AgentResult Run(string dir, params string[][] commands) =>
        In(dir, string.Join(" && ", commands.Select(c => string.Join(' ', c.Select(Quote)))));

    /// <summary>Runs a shell script of pcs commands (a cib-examples pcs.sh) with `pcs` meaning `pcs -f DIR/cib.xml`.</summary>
    public static AgentResult Script(string dir, string script)
    {
        var bin = Path.Combine(dir, "bin");
        Directory.CreateDirectory(bin);
        File.WriteAllText(Path.Combine(bin, "pcs"), $"#!/bin/sh\nexec /usr/sbin/pcs -f {Quote(Path.Combine(dir, "cib.xml"))} \"$@\"\n");
        File.SetUnixFileMode(Path.Combine(bin, "pcs"), (UnixFileMode)0b111_101_101);
        return In(dir, $"PATH={Quote(bin)}:$PATH sh -e {Quote(script)}");
    }

    private static string Quote(string w) => $"'{w.Replace("'", "'\\''")}'";

    private static AgentResult In(string dir, string commands)
    {
        var cib = Path.Combine(dir, "cib.xml");
        if (!File.Exists(cib)) Assert.Equal(0, Support.Run.Command(["sh", "-c", $"cibadmin --empty > {Quote(cib)}"]).Code);
        var rd = Path.Combine(dir, "resource.d", "xcat");
        Directory.CreateDirectory(rd);
        foreach (var a in new[] { "shareddata", "xcatdb", "xcatd", "nfs4replica" })
            File.Copy(Built.Release(a), Path.Combine(rd, a), overwrite: true);
        var sbin = Path.Combine(dir, "sbin");
        Directory.CreateDirectory(sbin);
        foreach (var a in new[] { "fence_ipmi", "fence_riloe", "fence_ipmilanplus" })
            File.Copy(Built.Release(a), Path.Combine(sbin, a), overwrite: true);
        var ext = Path.Combine(dir, "external");
        Directory.CreateDirectory(ext);
        foreach (var a in new[] { "xcat-ipmi", "xcat-riloe" })
            File.Copy(Built.Release(a), Path.Combine(ext, a), overwrite: true);
        string Overlay(string lower, string target, string name)
        {
            Directory.CreateDirectory(Path.Combine(dir, $"{name}-u"));
            Directory.CreateDirectory(Path.Combine(dir, $"{name}-w"));
            return $"mount -t overlay {name} -o lowerdir={lower}:{target},upperdir={dir}/{name}-u,workdir={dir}/{name}-w {target} && ";
        }
        var script = Overlay(Path.Combine(dir, "resource.d"), "/usr/lib/ocf/resource.d", "ocf")
                     + Overlay(sbin, "/usr/sbin", "sbin")
                     + Overlay(ext, "/usr/lib/stonith/plugins/external", "ext")
                     + $"cd {Quote(dir)} && {commands}";
        return Support.Run.Command(["unshare", "--mount", "--propagation", "private", "--", "sh", "-c", script], TimeSpan.FromSeconds(180));
    }
}
