namespace OcfAgents.Agents.Tests.Support;

/// <summary>
/// A scratch "node": a shared root standing in for the mounted storage and five link paths
/// shaped like xCAT's set, with a sentinel file in every original directory and every target,
/// so a test can prove that nothing was lost or overwritten. One name has '+' and '.', which
/// break ocf:heartbeat:symlink's pattern comparison.
/// </summary>
public sealed class SharedTree
{
    public static readonly string[] Names = ["install", "etc/xcat", "root/.xcat", "var/lib/pgsql", "tftp+boot.d"];

    public string Base { get; }
    public string Root => Path.Combine(Base, "HA-data");
    public string[] Paths { get; }
    public string Target(string path) => Root + path;
    public string Backup(string path) => path + ".xcatbak";

    public SharedTree(int count = 5, bool originals = true, bool targets = true)
    {
        Base = Directory.CreateTempSubdirectory("shareddata").FullName;
        File.SetUnixFileMode(Base, (UnixFileMode)0b111_101_101);
        Paths = Names.Take(count).Select(n => System.IO.Path.Combine(Base, "node", n)).ToArray();
        Directory.CreateDirectory(Root);
        foreach (var p in Paths)
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(p)!);
            if (originals)
            {
                Directory.CreateDirectory(p);
                File.WriteAllText(System.IO.Path.Combine(p, "local.sentinel"), "local " + p);
            }
            if (targets)
            {
                Directory.CreateDirectory(Target(p));
                File.WriteAllText(System.IO.Path.Combine(Target(p), "shared.sentinel"), "shared " + p);
            }
        }
    }

    public Dictionary<string, string> Params(params (string Key, string Value)[] extra)
    {
        var d = new Dictionary<string, string>
        {
            ["shared_root"] = Root,
            ["paths"] = string.Join(' ', Paths),
            ["require_mountpoint"] = "false",
        };
        foreach (var (k, v) in extra) d[k] = v;
        return d;
    }

    public bool IsLinked(string path) => new FileInfo(path).LinkTarget == Target(path);

    /// <summary>Every local and shared sentinel exists exactly once, with its original content.</summary>
    public void AssertNothingLost(bool originals = true)
    {
        foreach (var p in Paths)
        {
            var shared = System.IO.Path.Combine(Target(p), "shared.sentinel");
            Assert.True(File.Exists(shared), $"lost {shared}");
            Assert.Equal("shared " + p, File.ReadAllText(shared));
            if (!originals) continue;
            var places = new[] { p, Backup(p) }
                .Where(d => new FileInfo(d).LinkTarget is null && File.Exists(System.IO.Path.Combine(d, "local.sentinel")))
                .ToList();
            Assert.True(places.Count == 1, $"local data of {p} found in {places.Count} places: {string.Join(", ", places)}");
            Assert.Equal("local " + p, File.ReadAllText(System.IO.Path.Combine(places[0], "local.sentinel")));
        }
    }

    /// <summary>The fully deactivated state: every path holds its own data again and no backup remains.</summary>
    public void AssertDeactivated(bool originals = true)
    {
        foreach (var p in Paths)
        {
            Assert.Null(new FileInfo(p).LinkTarget);
            Assert.Equal(originals, Directory.Exists(p));
            Assert.False(Directory.Exists(Backup(p)), $"{Backup(p)} still exists");
        }
        AssertNothingLost(originals);
        AssertNoLeftovers();
    }

    public void AssertActivated()
    {
        foreach (var p in Paths) Assert.True(IsLinked(p), $"{p} is not linked to {Target(p)}");
        AssertNothingLost();
        AssertNoLeftovers();
    }

    private void AssertNoLeftovers()
    {
        foreach (var p in Paths)
            Assert.Empty(Directory.GetFileSystemEntries(System.IO.Path.GetDirectoryName(p)!, "*.shareddata-new"));
    }
}
