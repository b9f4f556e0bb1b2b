using System.Diagnostics;

namespace OcfAgents.Agents.Tests.Support;

/// <summary>What every fencing plugin's tests check the same way.</summary>
public static class FenceChecks
{
    /// <summary>The output matches its golden file and that file is well-formed XML (xmllint).</summary>
    public static void AssertGoldenXml(string golden, string output)
    {
        Golden.Check(golden, output);
        var lint = Run.Command(["xmllint", "--noout", Built.Golden(golden)]);
        Assert.True(lint.Code == 0, lint.ToString());
    }

    public static string ErrorLine(AgentResult r) =>
        Assert.Single(r.Stderr.Split('\n'), l => l.Contains("ERROR:", StringComparison.Ordinal));

    /// <summary>
    /// Runs cluster-glue's stonith CLI with <paramref name="plugin"/> in a private copy of
    /// external/ (a mount namespace; the host's directory is not touched). <paramref name="binds"/>
    /// are extra (source, target) bind mounts inside the same namespace.
    /// </summary>
    public static AgentResult Stonith(string workDir, string plugin, IReadOnlyList<string> args, params (string Source, string Target)[] binds)
    {
        var ext = Path.Combine(workDir, "external");
        if (!Directory.Exists(ext))
        {
            Directory.CreateDirectory(ext);
            File.Copy(Built.Release(plugin), Path.Combine(ext, plugin));
            // cluster-glue refuses plugins that are group- or other-writable.
            File.SetUnixFileMode(Path.Combine(ext, plugin), (UnixFileMode)0b111_101_101);
        }
        return StonithIn(ext, plugin, args, binds);
    }

    /// <summary>Like <see cref="Stonith"/>, with <paramref name="ext"/> (a directory of plugins, an installed package's) as external/.</summary>
    public static AgentResult StonithIn(string ext, string plugin, IReadOnlyList<string> args, params (string Source, string Target)[] binds)
    {
        var mounts = string.Concat(binds.Select((_, i) => $"mount --bind \"${{{2 * i + 1}}}\" \"${{{2 * i + 2}}}\" && "));
        var script = "mount --bind \"$0\" /usr/lib/stonith/plugins/external && " + mounts + $"shift {binds.Length * 2}; exec stonith \"$@\"";
        return Run.Command(["unshare", "--mount", "--propagation", "private", "--", "sh", "-c", script, ext,
            .. binds.SelectMany(b => new[] { b.Source, b.Target }), "-t", $"external/{plugin}", .. args]);
    }

    /// <summary>
    /// Runs a fence agent with <paramref name="stdin"/> and a bare environment, scanning every
    /// /proc/*/cmdline while it runs; asserts <paramref name="secret"/> never appears there, on its
    /// stdout/stderr or in <paramref name="debugFile"/>, and that the action succeeded.
    /// </summary>
    public static async Task AssertSecretNeverShown(string agent, string stdin, string secret, string debugFile)
    {
        var psi = new ProcessStartInfo(agent) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.Environment.Clear();
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.StandardInput.Write(stdin);
        p.StandardInput.Close();
        // A scan counts only if it read the agent's own command line while the agent ran: then
        // the scan and the agent provably overlapped.
        var overlapping = 0;
        var own = Path.Combine("/proc", p.Id.ToString());
        while (!p.HasExited)
        {
            var sawAgent = false;
            foreach (var dir in Directory.EnumerateDirectories("/proc").Where(d => char.IsDigit(Path.GetFileName(d)[0])))
            {
                try
                {
                    var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                    Assert.DoesNotContain(secret, cmdline);
                    if (dir == own && cmdline.Contains(Path.GetFileName(agent), StringComparison.Ordinal)) sawAgent = true;
                }
                catch (IOException) { }
                catch (UnauthorizedAccessException) { }
            }
            if (sawAgent) overlapping++;
        }
        p.WaitForExit();
        var output = await stdout + await stderr;
        Assert.True(p.ExitCode == 0, output);
        Assert.True(overlapping > 0, "no scan of /proc saw the agent running: nothing was proven");
        Assert.DoesNotContain(secret, output);
        Assert.True(File.Exists(debugFile));
        Assert.DoesNotContain(secret, File.ReadAllText(debugFile));
        Assert.Contains("DEBUG", File.ReadAllText(debugFile));
    }
}
