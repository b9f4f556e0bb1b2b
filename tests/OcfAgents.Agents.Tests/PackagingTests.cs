using System.Text.RegularExpressions;
using OcfAgents.Agents.Tests.Support;

namespace OcfAgents.Agents.Tests;

/// <summary>
/// What `make package` builds: both packages hold exactly packaging/layout.txt with its modes, and
/// the .deb, installed into a scratch root, is what Pacemaker's and cluster-glue's tools use.
/// </summary>
public class PackagingTests
{
    private static string Version { get; } =
        Regex.Match(File.ReadAllText(Path.Combine(Built.RepoRoot, "Directory.Build.props")), "<Version>(.+?)</Version>").Groups[1].Value;
    private static string Deb => Existing($"ocfagents_{Version}_amd64.deb");
    private static string Rpm => Existing($"ocfagents-{Version}.x86_64.rpm");

    private static string Existing(string name) =>
        Path.Combine(Built.RepoRoot, "dist", name) is var p && File.Exists(p) ? p : throw new FileNotFoundException($"{p} is missing: run 'make package' (make test does)");

    /// <summary>packaging/layout.txt expanded: path → mode, for every file.</summary>
    private static SortedDictionary<string, string> Layout()
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(Path.Combine(Built.RepoRoot, "packaging", "layout.txt")))
        {
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var (mode, path, source) = line.Split(' ') is [var m, var p, var s] ? (m, p, s) : throw new FormatException(line);
            if (source.StartsWith("tree:"))
                foreach (var f in Directory.EnumerateFiles(Path.Combine(Built.RepoRoot, source[5..]), "*", SearchOption.AllDirectories))
                    files[path + "/" + Path.GetRelativePath(Path.Combine(Built.RepoRoot, source[5..]), f)] = mode;
            else files[path] = mode;
        }
        return files;
    }

    /// <summary>"-rwxr-xr-x" → "0755".</summary>
    private static string Octal(string perms) =>
        "0" + string.Concat(Enumerable.Range(0, 3).Select(i => perms.Substring(1 + 3 * i, 3).Select((c, j) => c == '-' ? 0 : 4 >> j).Sum()));

    [Fact]
    public void The_deb_holds_exactly_the_layout_owned_by_root_with_its_modes()
    {
        var listing = Run.Command(["dpkg-deb", "-c", Deb]);
        Assert.True(listing.Code == 0, listing.ToString());
        var entries = listing.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => Regex.Match(l, @"^(\S{10}) (\S+)\s+\d+ \S+ \S+ \./(.*)$")).ToList();
        Assert.All(entries, e => Assert.True(e.Success));
        Assert.All(entries, e => Assert.Equal("root/root", e.Groups[2].Value));
        var files = entries.Where(e => e.Groups[1].Value[0] == '-').ToDictionary(e => "/" + e.Groups[3].Value, e => Octal(e.Groups[1].Value));
        Assert.Equal(Layout(), new SortedDictionary<string, string>(files, StringComparer.Ordinal));
        Assert.DoesNotContain(entries, e => e.Groups[1].Value[0] is not ('-' or 'd'));
        // cluster-glue loads no external/ plugin that group or other may write.
        Assert.All(entries.Where(e => e.Groups[3].Value.StartsWith("usr/lib/stonith/")), e => Assert.Matches("^.....-..-.", e.Groups[1].Value));
    }

    [Fact]
    public void The_rpm_holds_exactly_the_layout_and_owns_only_its_own_directories()
    {
        var listing = Run.Command(["rpm", "-qp", "--queryformat", "[%{FILEMODES:perms} %{FILEUSERNAME}:%{FILEGROUPNAME} %{FILENAMES}\\n]", Rpm]);
        Assert.True(listing.Code == 0, listing.ToString());
        var entries = listing.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ', 3)).ToList();
        Assert.All(entries, e => Assert.Equal("root:root", e[1]));
        var files = entries.Where(e => e[0][0] == '-').ToDictionary(e => e[2], e => Octal(e[0]));
        Assert.Equal(Layout(), new SortedDictionary<string, string>(files, StringComparer.Ordinal));
        var dirs = entries.Where(e => e[0][0] == 'd').Select(e => e[2]).ToList();
        Assert.Contains("/usr/lib/ocf/resource.d/xcat", dirs);
        Assert.All(dirs, d => Assert.True(d == "/usr/lib/ocf/resource.d/xcat" || d.StartsWith("/usr/share/doc/ocfagents"), d));
    }

    /// <summary>
    /// The executables are static (PortabilityTests): the packages require nothing of the system —
    /// no libc or libssl version, no .NET — and recommend Pacemaker.
    /// </summary>
    [Fact]
    public void Both_packages_carry_the_one_version_and_require_nothing_of_the_system()
    {
        var fields = Run.Command(["dpkg-deb", "-f", Deb, "Version", "Depends", "Recommends"]);
        Assert.Equal($"Version: {Version}\nRecommends: pacemaker (>= 2.1), resource-agents\n", fields.Stdout);
        var rpm = Run.Command(["rpm", "-qp", "--queryformat", "%{VERSION} %{LICENSE}\\n", Rpm]);
        Assert.Equal($"{Version} MIT AND LGPL-2.1-or-later AND Apache-2.0\n", rpm.Stdout);
        var requires = Run.Command(["rpm", "-qp", "--requires", Rpm]).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(requires);
        Assert.All(requires, r => Assert.StartsWith("rpmlib(", r));
        Assert.Contains($"OcfAgents {Version}", Run.Agent(Built.Release("shareddata"), "manpage", []).Stdout);
    }

    [Fact]
    public void The_installed_deb_works_with_ocf_tester_crm_resource_stonith_and_man_and_is_removed_without_a_trace()
    {
        var root = Directory.CreateTempSubdirectory("ocfagents-pkgroot.").FullName;
        File.SetUnixFileMode(root, (UnixFileMode)0b111_101_101);
        foreach (var d in new[] { "info", "updates", "triggers" }) Directory.CreateDirectory(Path.Combine(root, "var", "lib", "dpkg", d));
        File.WriteAllText(Path.Combine(root, "var", "lib", "dpkg", "status"), "");
        // The scratch root's dpkg database is empty: the package depends on nothing, so nothing is forced.
        var install = Run.Command(["dpkg", $"--root={root}", "--path-include=/usr/share/man/*", "-i", Deb]);
        Assert.True(install.Code == 0, install.ToString());
        var agent = Path.Combine(root, "usr", "lib", "ocf", "resource.d", "xcat", "shareddata");

        var tree = new SharedTree();
        var tester = new List<string> { "ocf-tester", "-n", "pkg" };
        foreach (var (k, v) in tree.Params()) tester.AddRange(["-o", $"{k}={v}"]);
        var t = Run.Command([.. tester, agent]);
        Assert.True(t.Code == 0, t.Stdout + t.Stderr);
        Assert.Equal(0, Run.Agent(agent, "stop", tree.Params()).Code);

        var validate = new List<string> { "unshare", "--mount", "--propagation", "private", "--",
            Path.Combine(Built.RepoRoot, "tests", "tools", "with-ocf-root.sh"), Path.Combine(root, "usr", "lib", "ocf", "resource.d"), "--",
            "crm_resource", "--validate", "--class", "ocf", "--provider", "xcat", "--agent", "shareddata" };
        foreach (var (k, v) in tree.Params()) validate.AddRange(["--option", $"{k}={v}"]);
        var v1 = Run.Command(validate);
        Assert.True(v1.Code == 0, v1.ToString());

        var names = FenceChecks.StonithIn(Path.Combine(root, "usr", "lib", "stonith", "plugins", "external"), "xcat-ipmi", ["-n"]);
        Assert.True(names.Code == 0, names.ToString());
        var declared = Run.Command([Built.Release("xcat-ipmi"), "getconfignames"]).Stdout;
        Assert.NotEmpty(declared.Trim());
        Assert.Equal(declared.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries), names.Stdout.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries));

        var man = Run.Command(["man", "7", "ocf_xcat_shareddata"], env: new Dictionary<string, string>
        {
            ["MANPATH"] = Path.Combine(root, "usr", "share", "man"), ["MANPAGER"] = "cat", ["MANWIDTH"] = "100", ["LANG"] = "C.UTF-8",
        });
        Assert.True(man.Code == 0, man.ToString());
        var text = Regex.Replace(man.Stdout, ".\b", "");
        Assert.StartsWith("OCF_XCAT_SHAREDDATA(7)", text.TrimStart());
        Assert.Contains("Links xCAT's shared-data paths to the shared storage", text);
        Assert.Contains("shared_root", text);

        var purge = Run.Command(["dpkg", $"--root={root}", "--purge", "ocfagents"]);
        Assert.True(purge.Code == 0, purge.ToString());
        // dpkg removes the directories it made once they are empty: nothing of the package is left.
        var usr = Path.Combine(root, "usr");
        Assert.Empty(Directory.Exists(usr) ? Directory.EnumerateFileSystemEntries(usr, "*", SearchOption.AllDirectories) : []);
        Assert.DoesNotContain("Package: ocfagents", File.ReadAllText(Path.Combine(root, "var", "lib", "dpkg", "status")));
    }
}
