using OcfAgents.Agents.Tests.Support;

namespace OcfAgents.Agents.Tests;

/// <summary>ocf:xcat:xcatdb with engine=sqlite on real .sqlite files made by the sqlite3 shell.</summary>
public sealed class XcatDbSqliteTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("ocfagents-sqlite.").FullName;
    private string Shared => Path.Combine(_root, "shared");
    private string Tables => Path.Combine(Shared, "etc", "xcat");
    private string Site => Path.Combine(Tables, "site.sqlite");
    private static string Agent => Built.Release("xcatdb");

    public XcatDbSqliteTests()
    {
        Directory.CreateDirectory(Tables);
        var r = Run.Command(["sqlite3", Site, "CREATE TABLE site (key TEXT PRIMARY KEY, value TEXT); INSERT INTO site VALUES ('xcatdport', '3001');"]);
        Assert.True(r.Code == 0, r.ToString());
    }

    private Dictionary<string, string> Params(params (string, string)[] overrides)
    {
        var p = new Dictionary<string, string>
        {
            ["engine"] = "sqlite", ["cfgloc"] = Path.Combine(_root, "cfgloc"), ["shared_root"] = Shared,
            ["sqlite_dir"] = Tables, ["state_dir"] = Path.Combine(_root, "state"),
        };
        foreach (var (k, v) in overrides) p[k] = v;
        return p;
    }

    private AgentResult Do(string action, Dictionary<string, string>? p = null, int level = 0) =>
        Run.Agent(Agent, action, p ?? Params(), env: level > 0 ? new() { ["OCF_CHECK_LEVEL"] = level.ToString() } : null);

    public void Dispose() => Directory.Delete(_root, true);

    [Fact]
    public void Start_activates_the_tables_monitor_checks_them_and_stop_releases_them()
    {
        Assert.Equal(7, Do("monitor").Code);
        var start = Do("start");
        Assert.True(start.Code == 0, start.ToString());
        Assert.Equal(0, Do("monitor").Code);
        var deep = Do("monitor", level: 10);
        Assert.True(deep.Code == 0, deep.ToString());
        Assert.Equal(0, Do("stop").Code);
        Assert.Equal(7, Do("monitor").Code);
        Assert.True(File.Exists(Site));
    }

    /// <summary>
    /// Depth 10 asks what the server engines are asked: the xcatdport row of the site table. A
    /// sound SQLite file that is not xCAT's site table — or one whose row is missing — fails it.
    /// </summary>
    [Theory]
    [InlineData("DROP TABLE site; CREATE TABLE other (x);", "has no site table")]
    [InlineData("DELETE FROM site;", "has no xcatdport row")]
    public void A_site_file_without_xCATs_site_row_fails_the_depth_10_check_but_not_depth_0(string sql, string reason)
    {
        Assert.Equal(0, Do("start").Code);
        Assert.Equal(0, Run.Command(["sqlite3", Site, sql]).Code);
        Assert.Equal(0, Do("monitor").Code);
        var deep = Do("monitor", level: 10);
        Assert.Equal(1, deep.Code);
        Assert.Contains(reason, deep.ExitReason);
    }

    [Fact]
    public void A_corrupted_table_file_fails_the_depth_10_quick_check_but_not_depth_0()
    {
        Assert.Equal(0, Do("start").Code);
        using (var f = new FileStream(Site, FileMode.Open, FileAccess.Write))
        {
            // Page 2 holds the site table's b-tree: garbage over its page header.
            f.Seek(4096, SeekOrigin.Begin);
            f.Write(Enumerable.Repeat((byte)0xA5, 12).ToArray());
        }
        Assert.Equal(0, Do("monitor").Code);
        var deep = Do("monitor", level: 10);
        Assert.Equal(1, deep.Code);
        Assert.Contains("fails PRAGMA quick_check", deep.ExitReason);
    }

    [Fact]
    public void Tables_off_the_shared_storage_are_refused_as_not_configured()
    {
        var r = Do("start", Params(("shared_root", "/srv")));
        Assert.Equal(6, r.Code);
        Assert.Contains("SQLite tables not on shared_root /srv", r.ExitReason);
    }

    [Fact]
    public void Missing_tables_are_not_installed_here_and_a_probe_says_not_running()
    {
        File.Delete(Site);
        var start = Do("start");
        Assert.Equal(5, start.Code);
        Assert.Contains("site.sqlite does not exist", start.ExitReason);
        Assert.Equal(7, Do("monitor").Code);
    }

    [Fact]
    public void A_cfgloc_naming_PostgreSQL_makes_the_sqlite_engine_not_configured()
    {
        File.WriteAllText(Path.Combine(_root, "cfgloc"), "Pg:dbname=xcatdb;host=mn|xcatadm|secret-pw\n");
        var r = Do("start");
        Assert.Equal(6, r.Code);
        Assert.Contains("engine=sqlite but", r.ExitReason);
        Assert.DoesNotContain("secret-pw", r.Stderr);
        Assert.Equal(7, Do("monitor").Code); // nothing active: stopped, whatever cfgloc says
        File.WriteAllText(Path.Combine(_root, "cfgloc"), "garbage\n");
        var bad = Do("validate-all");
        Assert.Equal(6, bad.Code);
        Assert.Contains("is not DRIVER:DSN|USER|PASSWORD", bad.Stderr);
    }

    [Fact]
    public void Activated_tables_whose_cfgloc_changes_fail_monitor_as_not_configured_and_still_stop()
    {
        Assert.Equal(0, Do("start").Code);
        File.WriteAllText(Path.Combine(_root, "cfgloc"), "Pg:dbname=xcatdb;host=mn|xcatadm|secret-pw\n");
        var m = Do("monitor");
        Assert.Equal(6, m.Code);
        Assert.Contains("engine=sqlite but", m.ExitReason);
        var stop = Do("stop");
        Assert.True(stop.Code == 0, stop.ToString());
        Assert.Equal(7, Do("monitor").Code);
    }

    [Fact]
    public void An_unknown_engine_is_not_configured_and_lists_the_engines()
    {
        var r = Do("start", Params(("engine", "oracle")));
        Assert.Equal(6, r.Code);
        Assert.Contains("'oracle' is not one of sqlite, postgresql, mysql", r.ExitReason);
    }

    [Fact]
    public void The_ocf_harness_passes_for_the_sqlite_engine()
    {
        var r = Harness.Run(Agent, Params());
        Assert.True(r.Code == 0, r.Report);
        Assert.Empty(r.Failed);
    }

    [Fact]
    public void Ocf_tester_passes_for_the_sqlite_engine()
    {
        var argv = new List<string> { "ocf-tester", "-n", "xcatdb" };
        foreach (var (k, v) in Params()) argv.AddRange(["-o", $"{k}={v}"]);
        argv.Add(Agent);
        var r = Run.Command(argv);
        Assert.True(r.Code == 0, r.Stdout + r.Stderr);
    }
}
